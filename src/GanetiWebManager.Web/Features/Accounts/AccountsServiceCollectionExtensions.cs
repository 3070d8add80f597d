using FluentValidation;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Features.Accounts.Admin;
using GanetiWebManager.Web.Features.Accounts.Groups;
using GanetiWebManager.Web.Features.Accounts.Passwords;
using GanetiWebManager.Web.Features.Accounts.Profile;
using GanetiWebManager.Web.Features.Accounts.Registration;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

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

        services.AddOptions<AccountsOptions>()
            .BindConfiguration(AccountsOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<MailOptions>()
            .BindConfiguration(MailOptions.SectionName)
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
        // A disabled user or a changed password (both renew the security stamp) invalidates existing cookies at
        // their next check; open pages are re-checked by CircuitUserRevalidator on the same interval.
        services.AddOptions<SecurityStampValidatorOptions>()
            .Configure<IOptions<AccountsOptions>, TimeProvider>((o, accounts, clock) =>
            {
                o.ValidationInterval = accounts.Value.RevalidationInterval;
                o.TimeProvider = clock;
            });
        // Reset links: Identity's token carries the security stamp, so it works once; it also expires (Identity's
        // token provider reads the system clock for that; it takes no TimeProvider).
        services.AddOptions<DataProtectionTokenProviderOptions>()
            .Configure<IOptions<AccountsOptions>>((o, accounts) => o.TokenLifespan = accounts.Value.ResetLinkLifetime);
        services.AddScoped<AuthenticationStateProvider, CircuitUserRevalidator>();

        services.AddAuthorizationBuilder()
            // Secure by default: every endpoint needs a signed-in user unless it says otherwise.
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(PortalClaims.SuperuserPolicy, p => p.RequireAuthenticatedUser().RequireClaim(PortalClaims.Superuser, "true"));
        services.AddCascadingAuthenticationState();

        services.AddSingleton<SuperuserBootstrapper>();
        services.AddSingleton<IAccountMailer, SmtpAccountMailer>();

        services.AddScoped<IValidator<NewUserForm>, NewUserFormValidator>();
        services.AddScoped<IValidator<EditUserForm>, EditUserFormValidator>();
        services.AddScoped<IValidator<GroupForm>, GroupFormValidator>();
        services.AddScoped<IValidator<EmailForm>, EmailFormValidator>();
        services.AddScoped<IValidator<SshKeyForm>, SshKeyFormValidator>();
        services.AddScoped<IValidator<ChangePasswordForm>, ChangePasswordFormValidator>();
        services.AddScoped<IValidator<NewPasswordForm>, NewPasswordFormValidator>();
        services.AddScoped<IValidator<RegistrationForm>, RegistrationFormValidator>();
        services.AddScoped<UserAdminService>();
        services.AddScoped<GroupAdminService>();
        services.AddScoped<ProfileService>();
        services.AddScoped<PasswordService>();
        services.AddScoped<RegistrationService>();
        return services;
    }
}
