"""Where responses come from, and how they are kept: the download handler (reason phrase,
bodies cut by a limit), the WARC capture middleware next to the network, and the replay
middleware that answers from the archive instead."""
