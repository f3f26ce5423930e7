"""Bot challenge and block pages as CDNs and bot managers send them (structure, headers
and wording of the real pages; ray ids, tokens and hosts made up), and real articles
that only talk about captchas. Used by tests/test_challenge.py (the detector) and
tests/hostile_site.py (served to a crawl)."""

from __future__ import annotations

# Cloudflare's managed challenge ("Just a moment..."), as served to a client it
# wants to check: 403, cf-mitigated: challenge, the challenge platform's script
CLOUDFLARE_CHALLENGE_HEADERS = [
    ("Server", "cloudflare"),
    ("cf-mitigated", "challenge"),
    ("CF-RAY", "8c1f2b3a4d5e6f70-FRA"),
    ("Cache-Control", "private, max-age=0, no-store, no-cache, must-revalidate, post-check=0"),
    ("Expires", "Thu, 01 Jan 1970 00:00:01 GMT"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "SAMEORIGIN"),
    ("Set-Cookie", "__cf_bm=Qm9ndXMgY29va2llIGZvciB0ZXN0cw; path=/; HttpOnly; SameSite=None"),
    ("Set-Cookie", "_cfuvid=dGVzdA; path=/; HttpOnly; SameSite=None"),
]
CLOUDFLARE_CHALLENGE = (
    b'<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>'
    b'<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">'
    b'<meta http-equiv="X-UA-Compatible" content="IE=Edge">'
    b'<meta name="robots" content="noindex,nofollow">'
    b'<meta name="viewport" content="width=device-width,initial-scale=1">'
    b"<style>*{box-sizing:border-box;margin:0;padding:0}html{line-height:1.15;"
    b"-webkit-text-size-adjust:100%;color:#313131;font-family:system-ui,-apple-system,"
    b'"Segoe UI",Roboto,"Helvetica Neue",Arial}body{display:flex;flex-direction:column;'
    b"height:100vh;min-height:100vh}.main-content{margin:8rem auto;max-width:60rem;"
    b"padding-left:1.5rem}h1{font-size:2.5rem;font-weight:500;line-height:3.75rem}"
    b'</style><meta http-equiv="refresh" content="390"></head>'
    b'<body class="no-js"><div class="main-wrapper" role="main">'
    b'<div class="main-content"><h1 class="zone-name-title h1">www.example-news.com</h1>'
    b'<h2 id="challenge-running" class="h2">Verifying you are human. This may take a few '
    b'seconds.</h2><noscript><div id="challenge-error-title"><div class="h2">'
    b'<span class="icon-wrapper"><div class="heading-icon warning-icon"></div></span>'
    b'<span id="challenge-error-text">Enable JavaScript and cookies to continue</span>'
    b"</div></div></noscript>"
    b'<div id="challenge-body-text" class="core-msg spacer">www.example-news.com needs to '
    b"review the security of your connection before proceeding.</div></div></div>"
    b"<script>(function(){window._cf_chl_opt={cvId: '3',cZone: \"www.example-news.com\","
    b"cType: 'managed',cRay: '8c1f2b3a4d5e6f70',cH: 'x0Zq3bVvQk9fT2aW',"
    b'cUPMDTk: "\\/english\\/1017?__cf_chl_tk=V2VsbCBkb25lLCB5b3UgZGVjb2RlZCBpdA",'
    b"cFPWv: 'b',cITimeS: '1727000000',cTTimeMs: '1000',cMTimeMs: '390000'};"
    b"var cpo = document.createElement('script');"
    b"cpo.src = '/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1?ray=8c1f2b3a4d5e6f70';"
    b"window._cf_chl_opt.cOgUHash = location.hash === '' && location.href.indexOf('#') !== -1"
    b" ? '#' : location.hash;document.getElementsByTagName('head')[0].appendChild(cpo);"
    b"}());</script>"
    b'<div class="footer" role="contentinfo"><div class="footer-inner">'
    b'<div class="clearfix diagnostic-wrapper"><div class="ray-id">Ray ID: '
    b'<code>8c1f2b3a4d5e6f70</code></div></div><div class="text-center" id="footer-text">'
    b'Performance &amp; security by <a rel="noopener noreferrer" '
    b'href="https://www.cloudflare.com?utm_source=challenge&amp;utm_campaign=m" '
    b'target="_blank">Cloudflare</a></div></div></div></body></html>'
)

# Cloudflare's block page (a WAF rule matched): 403, no cf-mitigated header
CLOUDFLARE_BLOCK = (
    b'<!DOCTYPE html>\n<!--[if lt IE 7]> <html class="no-js ie6 oldie" lang="en-US"> '
    b'<![endif]-->\n<!--[if gt IE 8]><!--> <html class="no-js" lang="en-US"> <!--<![endif]-->'
    b'\n<head>\n<title>Attention Required! | Cloudflare</title>\n<meta charset="UTF-8" />\n'
    b'<meta name="robots" content="noindex, nofollow" />\n'
    b'<link rel="stylesheet" id="cf_styles-css" href="/cdn-cgi/styles/cf.errors.css" />\n'
    b'</head>\n<body>\n  <div id="cf-wrapper">\n    <div id="cf-error-details" '
    b'class="cf-error-details-wrapper">\n      <div class="cf-wrapper cf-header cf-error-overview">'
    b'\n        <h1 data-translate="block_headline">Sorry, you have been blocked</h1>\n'
    b'        <h2 class="cf-subheadline"><span data-translate="unable_to_access">You are unable '
    b"to access</span> example-news.com</h2>\n      </div>\n"
    b'      <div class="cf-section cf-wrapper">\n        <div class="cf-columns two">\n'
    b'          <div class="cf-column">\n            <h2 data-translate="blocked_why_headline">'
    b'Why have I been blocked?</h2>\n            <p data-translate="blocked_why_detail">This '
    b"website is using a security service to protect itself from online attacks. The action "
    b"you just performed triggered the security solution. There are several actions that "
    b"could trigger this block including submitting a certain word or phrase, a SQL command "
    b'or malformed data.</p>\n          </div>\n          <div class="cf-column">\n'
    b'            <h2 data-translate="blocked_resolve_headline">What can I do to resolve '
    b'this?</h2>\n            <p data-translate="blocked_resolve_detail">You can email the '
    b"site owner to let them know you were blocked. Please include what you were doing when "
    b"this page came up and the Cloudflare Ray ID found at the bottom of this page.</p>\n"
    b"          </div>\n        </div>\n      </div>\n"
    b'      <div class="cf-error-footer cf-wrapper">\n    <p>\n'
    b'      <span class="cf-footer-item">Cloudflare Ray ID: <strong>8c1f2b3a4d5e6f71'
    b'</strong></span>\n      <span class="cf-footer-separator">&bull;</span>\n'
    b'      <span class="cf-footer-item">Performance &amp; security by Cloudflare</span>\n'
    b"    </p>\n  </div>\n    </div>\n  </div>\n</body>\n</html>\n"
)

# Akamai's "Access Denied" (403), sent with Server: AkamaiGHost
AKAMAI_DENIED = (
    b"<HTML><HEAD>\n<TITLE>Access Denied</TITLE>\n</HEAD><BODY>\n<H1>Access Denied</H1>\n \n"
    b"You don't have permission to access \"http&#58;&#47;&#47;www&#46;example-news&#46;com"
    b'&#47;english&#47;1017" on this server.<P>\nReference&#32;&#35;18&#46;5c2e3b17&#46;'
    b"1727000000&#46;1a2b3c4d\n<P>https&#58;&#47;&#47;errors&#46;edgesuite&#46;net&#47;"
    b"18&#46;5c2e3b17&#46;1727000000&#46;1a2b3c4d</P>\n</BODY>\n</HTML>\n"
)

# DataDome's captcha (403 with x-datadome): an iframe from captcha-delivery.com
DATADOME_HEADERS = [("x-datadome", "protected"), ("x-dd-b", "1"), ("Server", "nginx")]
DATADOME_CAPTCHA = (
    b'<html lang="en"><head><title>example-news.com</title><style>#cmsg{animation: A 1.5s;}'
    b"@keyframes A{0%{opacity:0;}99%{opacity:0;}100%{opacity:1;}}</style></head>"
    b'<body style="margin:0"><p id="cmsg">Please enable JS and disable any ad blocker</p>'
    b"<script data-cfasync=\"false\">var dd={'rt':'c','cid':'AHrlqAAAAAMAk3vX2F0V9mIAZ4s5gw==',"
    b"'hsh':'2211F522B61E269B869FA6EAFFB5E1','t':'fe','s':45409,'e':'b1e7cb74cbd2f2c8',"
    b"'host':'geo.captcha-delivery.com'}</script>"
    b'<script data-cfasync="false" src="https://ct.captcha-delivery.com/c.js"></script>'
    b"</body></html>"
)

# PerimeterX (HUMAN) "Press & Hold" page, 403
PERIMETERX_BLOCK = (
    b'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
    b'<meta name="viewport" content="width=device-width, initial-scale=1">'
    b"<title>Access to this page has been denied.</title>"
    b'<link href="https://fonts.googleapis.com/css?family=Open+Sans:300" rel="stylesheet">'
    b"<style>html,body{margin:0;padding:0;font-family:'Open Sans',sans-serif;color:#000}"
    b".px-captcha-error-header{color:#f0f1f2;font-size:29px}</style>"
    b"<script>window._pxAppId = 'PXa1b2c3d4';window._pxJsClientSrc = '/a1b2c3d4/init.js';"
    b"window._pxHostUrl = '/a1b2c3d4/xhr';</script></head><body>"
    b'<div class="px-captcha-error-container"><div class="px-captcha-error-header">'
    b'Before we continue...</div><div class="px-captcha-error-message">Press &amp; Hold '
    b"to confirm you are<br>a human (and not a bot).</div>"
    b'<div id="px-captcha"></div></div>'
    b'<script src="/a1b2c3d4/captcha/captcha.js?a=c&u=2e8f&v=&m=0"></script></body></html>'
)

# AWS WAF's CAPTCHA action: 405 with x-amzn-waf-action: captcha
AWS_WAF_HEADERS = [("x-amzn-waf-action", "captcha"), ("Server", "awselb/2.0")]
AWS_WAF_CAPTCHA = (
    b'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
    b"<title></title><style>body{font-family:Arial,sans-serif}</style>"
    b"<script>window.awsWafCookieDomainList = [];window.gokuProps = {"
    b'"key":"AQIDAHjcYu/GjX+QlghicBgQ/7bFaQZ+m5FKCMDnO+vTbNg96AHp",'
    b'"iv":"CgAHGjOlzgAAAd3+","context":"dGhpcyBpcyBub3QgYSByZWFsIHRva2Vu"};</script>'
    b'<script src="https://a1b2c3d4e5f6.edge.captcha-sdk.awswaf.com/a1b2c3d4e5f6/jsapi.js">'
    b'</script></head><body><div id="captcha-container"></div>'
    b"<noscript><h1>JavaScript is disabled</h1>In order to continue, we need to verify "
    b"that you're not a robot. This requires JavaScript. Enable JavaScript and then reload "
    b"the page.</noscript></body></html>"
)

# a "Just a moment..." shell answered with 200, without any CDN header (a WAF in front
# of the site, or a plugin of the site's own): only the page says what it is
JS_SHELL_200 = (
    b'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
    b"<title>Just a moment...</title>\n"
    b'<meta name="robots" content="noindex, nofollow">\n'
    b'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
    b'<script src="/.guard/verify.js?v=4.2.1" defer></script>\n</head>\n<body>\n'
    b"<noscript>\n  <h1>JavaScript is required</h1>\n  <p>Enable JavaScript and cookies to "
    b"continue.</p>\n</noscript>\n"
    b'<div id="guard-running">Checking your browser before accessing the site.</div>\n'
    b"<p>This process is automatic. Your browser will redirect to your requested content "
    b"shortly.</p>\n</body>\n</html>\n"
)

# a single-page application's shell: nothing but a <noscript> asking for JavaScript
SPA_SHELL = (
    b'<!doctype html><html lang="en"><head><meta charset="utf-8"/>'
    b'<link rel="icon" href="/favicon.ico"/><title>Example News</title>'
    b'<script defer="defer" src="/static/js/main.4f1c2a9b.js"></script>'
    b'<link href="/static/css/main.7d3e1f0a.css" rel="stylesheet"></head>'
    b"<body><noscript>You need to enable JavaScript to run this app.</noscript>"
    b'<div id="root"></div></body></html>'
)

# a normal article page of a site behind Cloudflare with Bot Fight Mode: Cloudflare
# injects its challenge-platform script into every page
_CF_INJECTED = (
    b"<script>(function(){function c(){var b=a.contentDocument||a.contentWindow.document;"
    b"if(b){var d=b.createElement('script');d.innerHTML=\"window.__CF$cv$params={r:"
    b"'8c1f2b3a4d5e6f72',t:'MTcyNzAwMDAwMC4wMDAwMDA='};var a=document.createElement('script');"
    b"a.nonce='';a.src='/cdn-cgi/challenge-platform/scripts/jsd/main.js';"
    b"document.getElementsByTagName('head')[0].appendChild(a);\";"
    b"b.getElementsByTagName('head')[0].appendChild(d)}}}());</script>"
)

CAPTCHA_ARTICLE_TITLE = "Visa portal's captcha locks out thousands of applicants"
CAPTCHA_ARTICLE_TEXT = [
    "Thousands of applicants were unable to book visa appointments this week after the "
    "ministry's online portal began showing a captcha that could not be solved on mobile "
    "phones, officials said on Thursday.",
    "Applicants described being asked again and again to verify you are human, with the "
    "image grid reloading every time they pressed the submit button. Several said they "
    "had tried more than twenty times before giving up.",
    "A spokesman for the ministry said the captcha had been added after automated programs "
    "booked out every available slot within minutes of release and resold them to "
    "applicants for as much as 15,000 afghanis.",
    "Travel agents in Kabul and Herat said the change had stopped the resale of slots but "
    "had also shut out people without a computer. The ministry said a fix would be rolled "
    "out by Sunday and that appointments lost this week would be offered again.",
    "Please verify you are a human, the message reads, above a grid of blurry photographs "
    "of buses and traffic lights that many applicants said they could not make out.",
]


def captcha_article(injected: bool = False) -> bytes:
    """A real article about a captcha, with a reCAPTCHA comment form under it (and,
    with *injected*, Cloudflare's Bot Fight Mode script)."""
    paras = "".join(f"<p>{p}</p>" for p in CAPTCHA_ARTICLE_TEXT)
    nav = "".join(
        f'<li><a href="/english/{s.lower()}">{s}</a></li>'
        for s in ("National", "World", "Business", "Sport", "Opinion", "Culture")
    )
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{CAPTCHA_ARTICLE_TITLE} | Example News</title>"
        '<script src="https://www.google.com/recaptcha/api.js" async defer></script>'
        f"</head><body><header><nav><ul>{nav}</ul></nav></header>"
        f"<main><article><h1>{CAPTCHA_ARTICLE_TITLE}</h1>"
        '<p class="byline">By Staff Reporter, 26 September 2024</p>'
        f"{paras}</article>"
        '<section class="comments"><h2>Leave a comment</h2>'
        '<form action="/english/comment" method="post"><textarea name="comment"></textarea>'
        '<div class="g-recaptcha" data-sitekey="6LcTestKeyNotRealAAAAAAAAAAAAAAAAAAAAAAA">'
        '</div><button type="submit">Post</button></form></section></main>'
        "<footer><p>© 2024 Example News. All rights reserved.</p></footer>"
    )
    body = page.encode("utf-8")
    if injected:
        body += _CF_INJECTED
    return body + b"</body></html>"
