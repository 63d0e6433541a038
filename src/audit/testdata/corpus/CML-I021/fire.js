const result = eval(userInput);
const fn = new Function(body);
