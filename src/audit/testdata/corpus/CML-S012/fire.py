client = OpenAI(api_key="sk-proj-TESTDATAexample01234T3BlbkFJTESTDATAexample01234")
