const slack = new WebClient(process.env.SLACK_BOT_TOKEN); // xoxb- bot token
