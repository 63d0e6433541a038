document.write(location.hash);
el.insertAdjacentHTML("beforeend", comment);
