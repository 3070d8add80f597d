using System.Net;
using System.Text.RegularExpressions;

namespace GanetiWebManager.Testing;

/// <summary>Drives the portal's server-rendered forms over plain HTTP, as a browser without scripts would.</summary>
public static partial class PortalClient
{
    /// <summary>A client that keeps cookies and shows redirects instead of following them.</summary>
    public static HttpClient CreateClientWithoutRedirects(this PortalFactory factory) =>
        factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>The absolute address a redirect points to, whether the Location header is relative or not.</summary>
    public static Uri ResolveRedirect(this HttpClient client, HttpResponseMessage response) =>
        new(client.BaseAddress!, response.Headers.Location ?? throw new InvalidOperationException($"{(int)response.StatusCode} is not a redirect."));

    /// <summary>Posts the login form (with its antiforgery token) and returns the response.</summary>
    public static async Task<HttpResponseMessage> PostLoginAsync(this HttpClient client, string userName, string password, string? returnUrl = null)
    {
        var page = "/account/login" + (returnUrl is null ? "" : "?returnUrl=" + Uri.EscapeDataString(returnUrl));
        var token = await GetAntiforgeryTokenAsync(client, page);
        return await client.PostAsync(page, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = token,
            ["Input.UserName"] = userName,
            ["Input.Password"] = password,
        }));
    }

    public static async Task<string> GetAntiforgeryTokenAsync(this HttpClient client, string page)
    {
        var response = await client.GetAsync(page);
        response.StatusCode.ShouldBeSuccess(page);
        var html = await response.Content.ReadAsStringAsync();
        var match = AntiforgeryField().Match(html);
        return match.Success ? match.Groups[1].Value : throw new InvalidOperationException($"No antiforgery token on {page}.");
    }

    private static void ShouldBeSuccess(this HttpStatusCode status, string page)
    {
        if ((int)status is < 200 or > 299)
        {
            throw new InvalidOperationException($"GET {page} answered {(int)status}.");
        }
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
