"""Online and media reach: articles, videos and reports about the outreach, with their reads."""
