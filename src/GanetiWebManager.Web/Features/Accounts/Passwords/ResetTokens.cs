using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace GanetiWebManager.Web.Features.Accounts.Passwords;

/// <summary>
/// Identity's reset tokens in links: URL-safe base64 of the token. The token itself carries the user's
/// security stamp, so it stops working once a password is set with it (or changed in any other way).
/// </summary>
public static class ResetTokens
{
    public const string Path = "account/reset";

    public static string LinkFor(string baseUri, Guid userId, string token) =>
        $"{baseUri.TrimEnd('/')}/{Path}?user={userId:D}&token={WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(token))}";

    public static string? Decode(string? encoded)
    {
        if (string.IsNullOrEmpty(encoded))
        {
            return null;
        }

        try
        {
            return Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(encoded));
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
