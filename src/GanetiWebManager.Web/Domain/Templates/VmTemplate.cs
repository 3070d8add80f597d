namespace GanetiWebManager.Web.Domain.Templates;

/// <summary>
/// A named set of VM settings on one cluster (product-spec §7): saved from the wizard or from an existing VM,
/// copied, edited, and used to create VMs (owner + name). The settings are the wizard's own model, stored as JSON,
/// so the wizard, templates and "retry" share one shape and one validator.
/// </summary>
public sealed class VmTemplate
{
    public const int MaxNameLength = 100;
    public const int MaxDescriptionLength = 1000;

    public long Id { get; set; }

    public int ClusterId { get; set; }

    public required string Name { get; set; }

    public string Description { get; set; } = "";

    /// <summary>The settings: a serialised <c>VmSpec</c> (jsonb).</summary>
    public string Spec { get; set; } = "{}";

    public Guid? CreatedByUserId { get; set; }

    /// <summary>Kept by name too, so the template's history survives its author.</summary>
    public string CreatedByName { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
