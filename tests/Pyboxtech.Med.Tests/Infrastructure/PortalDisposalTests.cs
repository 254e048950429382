namespace Pyboxtech.Med.Tests.Infrastructure;

/// <summary>
/// A portal the tests are done with gives back what the kernel counts per user: its file watchers (inotify instances,
/// 128 per user). A test process that outlives many portals, as Stryker's does, otherwise fails every page from the
/// 129th portal on, and a mutation run reads those failures as mutants killed.
/// </summary>
[Collection(nameof(ProcessWideFileWatchers))]
public sealed class PortalDisposalTests
{
    [Fact]
    public async Task PortalsThatServedPages_GiveBackTheirFileWatchers_WhenDisposed()
    {
        // Watchers some earlier test left to the finalizer are released now, so that only this test's can remain.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = InotifyInstances();

        for (var i = 0; i < 3; i++)
        {
            var portal = new PortalFactory();
            await portal.InitializeAsync();
            // The first page (setup) links its stylesheet with a version hash, which watches the file for changes.
            var page = await (await portal.CreateClient().GetAsync("/")).Content.ReadAsStringAsync();
            Assert.Contains("bootstrap.min.css?v=", page, StringComparison.Ordinal);
            await portal.DisposeAsync();
        }

        Assert.Equal(before, InotifyInstances());
    }

    private static int InotifyInstances() =>
        new DirectoryInfo("/proc/self/fd").EnumerateFileSystemInfos().Count(fd => fd.LinkTarget == "anon_inode:inotify");
}

/// <summary>Runs alone: the file watchers counted here are the whole process's.</summary>
[CollectionDefinition(nameof(ProcessWideFileWatchers), DisableParallelization = true)]
public sealed class ProcessWideFileWatchers;
