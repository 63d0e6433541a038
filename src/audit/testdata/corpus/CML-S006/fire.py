WEBHOOK = "https://hooks.slack.com/services/T0TESTDATA/B0TESTDATA/TESTDATAexample0123456789"
