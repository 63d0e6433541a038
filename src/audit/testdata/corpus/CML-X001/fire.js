el.innerHTML = userComment;
el.outerHTML = `<b>${name}</b>`;
