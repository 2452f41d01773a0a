"""What happened at an event: attendance by target group, handouts, summary, problems, photos."""
