namespace GanetiWebManager.Web.Features.Quotas;

public static class QuotasServiceCollectionExtensions
{
    /// <summary>Quotas and personas: reservations, their settlement in the background, the quota tab's and usage panel's reads and changes.</summary>
    public static IServiceCollection AddQuotas(this IServiceCollection services)
    {
        services.AddOptions<QuotaOptions>().BindConfiguration(QuotaOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<QuotaService>();
        services.AddSingleton<QuotaSettler>();
        services.AddHostedService(sp => sp.GetRequiredService<QuotaSettler>());
        services.AddSingleton<PersonaService>();
        services.AddSingleton<QuotaQueries>();
        services.AddSingleton<QuotaAdminService>();
        services.AddSingleton<FluentValidation.IValidator<QuotaForm>, QuotaFormValidator>();
        return services;
    }
}
