namespace Pyboxtech.Med.Web.Modules.Dashboard;

/// <summary>The dashboard; both times are already in the clinic's time zone.</summary>
public sealed record DashboardViewModel(
    string DisplayName,
    string UserName,
    IReadOnlyList<string> Roles,
    DateTimeOffset AccountCreatedAt,
    DateTimeOffset Now,
    string ClientAddress,
    int? PasswordExpiresInDays,
    int IdleMinutes,
    int? LockedAccounts,
    IReadOnlyList<(string View, object Model)> Panels)
{
    public string Greeting => Now.Hour switch
    {
        < 12 => "Good morning",
        < 18 => "Good afternoon",
        _ => "Good evening",
    };
}
