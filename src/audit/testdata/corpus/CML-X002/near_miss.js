document.write("<p>loading</p>");
el.insertAdjacentHTML("beforeend", "<hr>");
