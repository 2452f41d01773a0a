"""The public attendee page behind a handout's QR code: tips, check-in, quiz and feedback."""
