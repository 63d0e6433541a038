login(token="hf_TESTDATAexampleTOKENabcdefghijklmn")
