using Microsoft.Playwright;

namespace GanetiWebManager.E2E;

/// <summary>Proves that a page changed in place (over the circuit) rather than by reloading.</summary>
public static class PageMarks
{
    /// <summary>Waits for the circuit, then marks the document: a reload would lose the mark.</summary>
    public static async Task MarkDocumentAsync(this IPage page)
    {
        await page.WaitForFunctionAsync("() => window.Blazor !== undefined");
        await page.EvaluateAsync("() => { window.__gwmNoReload = 'still here'; }");
    }

    public static async Task ShouldNotHaveReloadedAsync(this IPage page) =>
        (await page.EvaluateAsync<string?>("() => window.__gwmNoReload ?? null")).ShouldBe("still here", "the page must update in place, not reload");
}
