using System.Reflection;

namespace Pyboxtech.Med.Web.Platform;

/// <summary>
/// The release this build is (Directory.Build.props) and, when it was built from a git clone, the commit: what an IT
/// person reads off the footer or /health before and after an upgrade, and quotes when reporting a problem.
/// </summary>
public static class PortalVersion
{
    private static readonly string Informational =
        typeof(PortalVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    /// <summary>The release number, e.g. <c>1.0.0</c>.</summary>
    public static string Number { get; } = Informational.Split('+')[0];

    /// <summary>The first 12 characters of the commit it was built from, or null (built without git, e.g. from an archive).</summary>
    public static string? Commit { get; } = Informational.Split('+') is [_, var sha, ..] && sha.Length > 0 ? sha[..Math.Min(12, sha.Length)] : null;

    /// <summary><c>1.0.0 (1a2b3c4d5e6f)</c>, or the number alone.</summary>
    public static string Display { get; } = Commit is null ? Number : $"{Number} ({Commit})";
}
