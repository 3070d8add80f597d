using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Accounts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;

namespace GanetiWebManager.Web.Features.Accounts;

public static class AccountsServiceCollectionExtensions
{
    /// <summary>ASP.NET Core Identity with the portal's hardening, cookie sign-in and the base policies.</summary>
    public static IServiceCollection AddAccounts(this IServiceCollection services)
    {
        services.AddOptions<BootstrapOptions>()
            .BindConfiguration(BootstrapOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.Configure<PasswordHasherOptions>(o => o.IterationCount = PasswordRules.Pbkdf2Iterations);
        services.AddIdentityCore<AppUser>(o =>
            {
                o.Password.RequiredLength = PasswordRules.MinimumLength;
                o.Password.RequireDigit = false;
                o.Password.RequireLowercase = false;
                o.Password.RequireUppercase = false;
                o.Password.RequireNonAlphanumeric = false;
                o.Password.RequiredUniqueChars = 1;
                o.Lockout.MaxFailedAccessAttempts = 5;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(5);
                o.Lockout.AllowedForNewUsers = true;
                o.User.AllowedUserNameCharacters = UserNameRules.AllowedCharacters;
                o.SignIn.RequireConfirmedAccount = true;
            })
            .AddRoles<IdentityRole<Guid>>()
            .AddEntityFrameworkStores<AppDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders()
            .AddClaimsPrincipalFactory<AppUserClaimsPrincipalFactory>()
            .AddPasswordValidator<MaximumLengthPasswordValidator>();
        services.AddScoped<IUserConfirmation<AppUser>, EnabledUserConfirmation>();

        // Identity's stores want a scoped DbContext; everything else uses the factory.
        services.AddScoped(sp => sp.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<AppDbContext>>().CreateDbContext());

        services.AddAuthentication(IdentityConstants.ApplicationScheme).AddIdentityCookies();
        services.ConfigureApplicationCookie(o =>
        {
            o.LoginPath = "/account/login";
            o.LogoutPath = "/account/logout";
            o.AccessDeniedPath = "/account/denied";
            o.Cookie.Name = "gwm.auth";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.ExpireTimeSpan = TimeSpan.FromHours(12);
            o.SlidingExpiration = true;
        });
        // A disabled user or a changed password invalidates existing cookies at the next check.
        services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.FromMinutes(1));

        services.AddAuthorizationBuilder()
            // Secure by default: every endpoint needs a signed-in user unless it says otherwise.
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(PortalClaims.SuperuserPolicy, p => p.RequireAuthenticatedUser().RequireClaim(PortalClaims.Superuser, "true"));
        services.AddCascadingAuthenticationState();

        services.AddSingleton<SuperuserBootstrapper>();
        return services;
    }
}
