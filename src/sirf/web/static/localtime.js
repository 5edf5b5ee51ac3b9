// sirf: show <time datetime="...Z"> in the viewer's time zone; the UTC text stays in the title
// attribute for hovering. Runs at load and after every htmx swap (polled fragments).
(function () {
  "use strict";
  var format = new Intl.DateTimeFormat(undefined, {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZoneName: "short",
  });

  function localise(root) {
    var times = (root || document).querySelectorAll("time[datetime]:not([data-local])");
    for (var i = 0; i < times.length; i++) {
      var when = new Date(times[i].getAttribute("datetime"));
      if (!isNaN(when.getTime())) {
        times[i].textContent = format.format(when);
        times[i].setAttribute("data-local", "");
      }
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    localise(document);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    localise(event.target);
  });
})();
