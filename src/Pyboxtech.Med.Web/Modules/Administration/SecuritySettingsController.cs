using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Web.Modules.Administration;

public sealed class SaveSecuritySettingsForm
{
    [Required(ErrorMessage = "Choose a password policy.")]
    [Display(Name = "Password policy")]
    public PasswordPreset? Preset { get; set; }

    [Range(1, 90, ErrorMessage = "Passwords must be changed at least every 90 days: choose 1 to 90.")]
    [Display(Name = "Maximum password age (days, RACGP policy)")]
    public int MaxAgeDays { get; set; } = 90;

    [Required(ErrorMessage = "Choose what happens after three failed sign-ins.")]
    [Display(Name = "After three failed sign-ins")]
    public LockoutMode? LockoutMode { get; set; }

    [Range(1, 1440, ErrorMessage = "A timed lockout lasts 1 to 1440 minutes.")]
    [Display(Name = "Timed lockout (minutes)")]
    public int LockoutMinutes { get; set; } = 30;
}

/// <summary>The practice's password and lockout policy (Administration, "Security settings").</summary>
[Route("Administration/Security")]
public sealed class SecuritySettingsController(SecuritySettingsService settings, MedDbContext db, AuditTrail audit) : Controller
{
    [HttpGet("")]
    [RequirePermission<AdministrationModule>(AccessLevel.Read)]
    public async Task<IActionResult> Index(CancellationToken cancellationToken)
    {
        var current = await settings.CurrentAsync(cancellationToken);
        return View(new SaveSecuritySettingsForm { Preset = current.Preset, MaxAgeDays = current.MaxAgeDays, LockoutMode = current.LockoutMode, LockoutMinutes = current.LockoutMinutes });
    }

    [HttpPost("")]
    [RequirePermission<AdministrationModule>(AccessLevel.Write)]
    public async Task<IActionResult> Index(SaveSecuritySettingsForm form, CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid || form.Preset is not { } preset || !Enum.IsDefined(preset) || form.LockoutMode is not { } mode || !Enum.IsDefined(mode))
        {
            if (ModelState.IsValid)
            {
                ModelState.AddModelError("", "Choose a policy and a lockout from the lists.");
            }

            var invalid = View(form);
            invalid.StatusCode = StatusCodes.Status400BadRequest;
            return invalid;
        }

        await settings.SaveAsync(db, audit, AdministrationModule.Access.Key, new SecuritySettings { Preset = preset, MaxAgeDays = form.MaxAgeDays, LockoutMode = mode, LockoutMinutes = form.LockoutMinutes }, cancellationToken);
        TempData["Notice"] = "The security settings were saved. New passwords are checked against them from now on.";
        return RedirectToAction(nameof(Index));
    }
}
