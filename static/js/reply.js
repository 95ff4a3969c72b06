/* Reply page: offer only the templates of the chosen channel, and only the fields that channel
   uses (no inline scripts: the Content-Security-Policy allows only files from this site). */
document.addEventListener("DOMContentLoaded", function () {
  var channel = document.getElementById("id_channel");
  var template = document.getElementById("id_template");
  if (!channel || !template) {
    return;
  }
  var subject = document.getElementById("subject-field");
  var urgent = document.getElementById("urgent-field");

  function update() {
    var chosen = channel.value;
    template.querySelectorAll("option[data-channel]").forEach(function (option) {
      var other = option.getAttribute("data-channel") !== chosen;
      option.hidden = other;
      option.disabled = other;
      if (other && option.selected) {
        template.value = "";
      }
    });
    template.querySelectorAll("optgroup").forEach(function (group) {
      group.hidden = !group.querySelector("option:not([disabled])");
    });
    if (subject) {
      subject.hidden = chosen === "sms";
    }
    if (urgent) {
      urgent.hidden = chosen !== "sms";
    }
  }

  channel.addEventListener("change", update);
  update();
});
