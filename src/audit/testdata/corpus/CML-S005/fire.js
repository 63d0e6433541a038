const slack = new WebClient("xoxb-123456789012-TESTDATAexampleTOKEN");
