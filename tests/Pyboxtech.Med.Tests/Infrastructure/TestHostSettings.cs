using System.Runtime.CompilerServices;

namespace Pyboxtech.Med.Tests.Infrastructure;

internal static class TestHostSettings
{
    /// <summary>
    /// Every portal a test starts would watch its settings files for changes, one inotify instance each, and the
    /// kernel allows 128 per user: test hosts never reload settings, so they watch nothing.
    /// </summary>
    [ModuleInitializer]
    internal static void WatchNoSettingsFiles() =>
        Environment.SetEnvironmentVariable("DOTNET_hostBuilder__reloadConfigOnChange", "false");
}
