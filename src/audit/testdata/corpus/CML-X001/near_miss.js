el.innerHTML = "<b>static</b>";
el.textContent = userComment;
const html = el.innerHTML;
