namespace Pyboxtech.Med.Web.Security.Identity;

/// <summary>
/// The roles a new practice starts with (seeded by the baseline migration), by name: modules give each of them
/// default access in their declaration. A practice may rename or delete them; defaults then apply to none.
/// </summary>
public static class DefaultRoles
{
    public const string SystemAdministrator = MedRole.SystemAdministrator;
    public const string PracticeManager = "Practice manager";
    public const string Receptionist = "Receptionist";
    public const string Doctor = "Doctor";
    public const string Nurse = "Nurse";
    public const string AlliedHealth = "Allied health";
    public const string Locum = "Locum";
    public const string StudentOrResearcher = "Student or researcher";

}
