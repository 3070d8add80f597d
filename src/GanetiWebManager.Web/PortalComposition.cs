using GanetiWebManager.Web.Components;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Features.Access;
using GanetiWebManager.Web.Features.Accounts;
using GanetiWebManager.Web.Features.Audit;
using GanetiWebManager.Web.Features.Clusters;
using GanetiWebManager.Web.Features.Clusters.Registry;
using GanetiWebManager.Web.Features.Console;
using GanetiWebManager.Web.Features.Creation;
using GanetiWebManager.Web.Features.Health;
using GanetiWebManager.Web.Features.Import;
using GanetiWebManager.Web.Features.Jobs;
using GanetiWebManager.Web.Features.LiveUpdates;
using GanetiWebManager.Web.Features.Overview;
using GanetiWebManager.Web.Features.Quotas;
using GanetiWebManager.Web.Features.Sync;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Radzen;

namespace GanetiWebManager.Web;

/// <summary>The one place that composes the portal: services per feature, then the HTTP pipeline.</summary>
public static class PortalComposition
{
    public static WebApplicationBuilder AddGanetiWebManager(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddPortalCore();

        // Features that need the web host (endpoints, the circuit's authentication state)
        services.AddHealth();
        services.AddClusterRegistry();

        // UI
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddRadzenComponents();
        return builder;
    }

    /// <summary>
    /// The portal's services without the web host: infrastructure and the features' services. Tests build the
    /// same container from it (GanetiWebManager.Testing's PortalServices), so a feature registered here is
    /// registered there too.
    /// </summary>
    public static IServiceCollection AddPortalCore(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);

        // Infrastructure
        services.AddPortalData();
        services.AddClusterConnections();
        services.TryAddSingleton<LiveUpdateHub>();

        // Features
        services.AddAccounts();
        services.AddAccess();
        services.AddClusterSync();
        services.AddJobs();
        services.AddInventoryViews();
        services.AddQuotas();
        services.AddConsole();
        Features.VirtualMachines.Actions.LifecycleActionsServiceCollectionExtensions.AddLifecycleActions(services);
        services.AddImportAuditAndSearch();
        services.AddCreation();
        return services;
    }

    /// <summary>Migrates the schema and creates the first superuser before the portal takes requests.</summary>
    public static async Task PrepareDatabaseAsync(this WebApplication app)
    {
        var stopping = app.Lifetime.ApplicationStopping;
        await app.Services.GetRequiredService<SchemaMigrator>().MigrateAsync(stopping);
        await app.Services.GetRequiredService<SuperuserBootstrapper>().EnsureSuperuserAsync(Console.Out, stopping);
    }

    public static WebApplication UseGanetiWebManager(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error", createScopeForErrors: true);
        }

        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapStaticAssets().AllowAnonymous();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        app.MapAccountEndpoints();
        app.MapHealthEndpoints();
        app.UseConsole();
        app.MapAuditEndpoints();
        return app;
    }
}
