"""Grant calls: a funder's call for applications sent to the matching subscribers, listed by
/grants until the day after its deadline, with deadline reminders on request."""
