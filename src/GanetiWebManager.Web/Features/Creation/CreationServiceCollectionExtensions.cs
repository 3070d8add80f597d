namespace GanetiWebManager.Web.Features.Creation;

public static class CreationServiceCollectionExtensions
{
    /// <summary>The create wizard and templates (issue 5 §1–§2): the create service and template service.</summary>
    public static IServiceCollection AddCreation(this IServiceCollection services)
    {
        services.AddSingleton<CreateVmService>();
        services.AddSingleton<TemplateService>();
        return services;
    }
}
