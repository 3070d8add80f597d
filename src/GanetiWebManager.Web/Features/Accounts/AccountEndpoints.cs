using GanetiWebManager.Web.Domain.Accounts;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;

namespace GanetiWebManager.Web.Features.Accounts;

public static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        // POST only, with the antiforgery token the layout's form carries: a plain link or a form on
        // another site must not be able to sign users out.
        endpoints.MapPost("/account/logout", LogoutAsync)
            .AllowAnonymous()
            .WithMetadata(new RequireAntiforgeryTokenAttribute());
        return endpoints;
    }

    private static async Task<Results<RedirectHttpResult, BadRequest<string>>> LogoutAsync(
        HttpContext context, SignInManager<AppUser> signInManager)
    {
        // UseAntiforgery validates and records the outcome; endpoints without form binding check it themselves.
        if (context.Features.Get<IAntiforgeryValidationFeature>() is { IsValid: false })
        {
            return TypedResults.BadRequest("The sign-out form expired. Reload the page and try again.");
        }

        await signInManager.SignOutAsync();
        return TypedResults.LocalRedirect("/account/login");
    }
}
