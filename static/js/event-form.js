/* The event form without surprises: picking a partner fills an empty region and venue, and
   picking a branch shows only that branch's staff. The server does the same checks and fills. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-event-form]");
  if (!form) {
    return;
  }
  var partner = form.querySelector("#partner_id");
  var region = form.querySelector("#region_id");
  var venue = form.querySelector("#venue");
  var branch = form.querySelector("#branch_id");

  if (partner) {
    partner.addEventListener("change", function () {
      var option = partner.options[partner.selectedIndex];
      if (!option || !option.value) {
        return;
      }
      if (region && !region.value && option.dataset.region) {
        region.value = option.dataset.region;
      }
      if (venue && !venue.value.trim() && option.dataset.venue) {
        venue.value = option.dataset.venue;
      }
    });
  }

  // Without a branch no staff can be chosen yet; ticked boxes always stay in sight on load.
  function showStaffOf(chosen, uncheckHidden) {
    var shown = 0;
    form.querySelectorAll("[data-staff-branch]").forEach(function (group) {
      var boxes = group.querySelectorAll("input[type=checkbox]");
      var hasChecked = Array.prototype.some.call(boxes, function (box) { return box.checked; });
      var show = group.dataset.staffBranch === chosen || (!uncheckHidden && hasChecked);
      group.hidden = !show;
      if (show) {
        shown += 1;
      } else if (uncheckHidden) {
        boxes.forEach(function (box) { box.checked = false; });
      }
    });
    var hint = form.querySelector("[data-staff-hint]");
    if (hint) {
      hint.hidden = Boolean(chosen) || shown > 0;
    }
  }

  if (branch) {
    showStaffOf(branch.value, false);
    branch.addEventListener("change", function () {
      showStaffOf(branch.value, true);
    });
  }
})();
