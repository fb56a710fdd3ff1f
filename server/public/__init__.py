"""Pages anyone may open without signing in, served as HTML: what a plain QR code opens
(`/q/<scene>`), and the public error pages."""
