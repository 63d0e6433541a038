const result = JSON.parse(userInput);
const fn = new Function("return 1");
model.eval(input);
