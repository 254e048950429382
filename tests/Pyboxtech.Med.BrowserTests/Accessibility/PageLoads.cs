using Microsoft.Playwright;

namespace Pyboxtech.Med.BrowserTests.Accessibility;

public static class PageLoads
{
    /// <summary>Does what submits a form (a click, an Enter) and waits for the page that answers it, even when its address is the same.</summary>
    public static async Task AfterNextLoadAsync(this IPage page, Func<Task> submit)
    {
        var loaded = new TaskCompletionSource();
        void OnLoad(object? sender, IPage loadedPage) => loaded.TrySetResult();
        page.Load += OnLoad;
        try
        {
            await submit();
            await loaded.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            page.Load -= OnLoad;
        }
    }
}
