el.innerHTML = "<b>static</b>";
el.textContent = userComment;
const html = el.innerHTML;
/* el.innerHTML = comment; is what we avoid */
