namespace Pyboxtech.Med.Web.Modules.Dashboard;

public sealed record DashboardViewModel(
    string DisplayName,
    string UserName,
    IReadOnlyList<string> Roles,
    DateTimeOffset AccountCreatedAt,
    DateTimeOffset Now,
    string ClientAddress)
{
    public string Greeting => Now.ToLocalTime().Hour switch
    {
        < 12 => "Good morning",
        < 18 => "Good afternoon",
        _ => "Good evening",
    };
}
