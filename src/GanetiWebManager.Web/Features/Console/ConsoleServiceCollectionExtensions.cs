namespace GanetiWebManager.Web.Features.Console;

public static class ConsoleServiceCollectionExtensions
{
    /// <summary>The console: tickets, target resolution, the relay's checks and its audit entries.</summary>
    public static IServiceCollection AddConsole(this IServiceCollection services)
    {
        services.AddOptions<ConsoleOptions>()
            .BindConfiguration(ConsoleOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<ConsoleTicketStore>();
        services.AddSingleton<ConsolePasswords>();
        services.AddSingleton<ConsoleAccessCheck>();
        services.AddSingleton<ConsoleTargetResolver>();
        services.AddSingleton<ConsoleAudit>();
        services.AddScoped<ConsoleService>();
        return services;
    }

    /// <summary>WebSockets and the relay endpoint (<c>/console/relay/{vmId}</c>).</summary>
    public static WebApplication UseConsole(this WebApplication app)
    {
        app.UseWebSockets();
        app.MapConsoleRelay();
        return app;
    }
}
