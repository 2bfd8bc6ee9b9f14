// The print button (inline handlers are blocked by the Content-Security-Policy).
(function () {
  "use strict";
  var b = document.getElementById("print");
  if (b) b.addEventListener("click", function () { window.print(); });
})();
