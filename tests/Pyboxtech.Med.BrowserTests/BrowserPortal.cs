using Microsoft.Playwright;
using Pyboxtech.Med.Tests.Infrastructure;

namespace Pyboxtech.Med.BrowserTests;

/// <summary>The portal on a real Kestrel port, driven by Debian's Chromium through Playwright.</summary>
public sealed class BrowserPortal : BrowserPortalBase;

/// <summary>What every browser journey's portal has; a journey that needs other settings derives its own.</summary>
public abstract class BrowserPortalBase : PortalFactory
{
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public string BaseAddress { get; private set; } = "";

    public static string ScreenshotDirectory
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Pyboxtech.Med.sln")))
            {
                directory = directory.Parent;
            }

            var path = Path.Combine(directory?.FullName ?? AppContext.BaseDirectory, "TestResults", "screenshots");
            Directory.CreateDirectory(path);
            return path;
        }
    }

    protected override bool UseRealServer => true;

    protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("Clinic:TimeZone", ClinicDaySetup.Zone.Id)];

    /// <summary>Signs in on the page as a person does (in any language), and waits for the dashboard.</summary>
    public async Task SignInAsync(IPage page, string userName, string password = StrongPassword)
    {
        await page.GotoAsync(BaseAddress + "/Account/Login");
        // By id, not by label: the same in every language.
        await page.Locator("#UserName").FillAsync(userName);
        await page.Locator("#Password").FillAsync(password);
        await page.Locator("form[action^='/Account/Login'] button[type='submit']").ClickAsync();
        await page.WaitForURLAsync(BaseAddress + "/");
    }

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        BaseAddress = ClientOptions.BaseAddress.ToString().TrimEnd('/');
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("PYBOX_CHROMIUM") ?? "/usr/bin/chromium",
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        });
    }

    public override async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        await base.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
