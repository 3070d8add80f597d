using System.Security.Claims;
using FluentValidation;
using FluentValidation.Results;
using GanetiWebManager.Web.Components.Shared.Forms;
using GanetiWebManager.Web.Features.LiveUpdates;
using GanetiWebManager.Web.Features.Quotas;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Forms;

namespace GanetiWebManager.Web.Features.Creation;

/// <summary>
/// The create wizard (product-spec §7): cluster and what to create → owner and names → basics → placement →
/// hypervisor parameters → review. Each step runs the form's validator (the one <see cref="CreateVmService"/> runs
/// again) and stays until its own fields are right. Opened with <c>?template=</c> it starts from a template, with
/// <c>?retry=</c> from a failed create job, with <c>?edit=</c> it edits a template. Everything it shows comes from
/// the database; quota, cluster and node changes re-read the options live (no timers).
/// </summary>
public sealed partial class CreateVmPage : ComponentBase, IDisposable
{
    private static readonly string[] Steps = ["Cluster", "Owner and names", "Basics", "Placement", "Hypervisor", "Review"];
    private static readonly string[] StepKeys = ["cluster", "owner", "basics", "placement", "hypervisor", "review"];
    private static readonly string[] OwnerFields = [nameof(CreateVmForm.OwnerKey), nameof(CreateVmForm.InstanceName), nameof(CreateVmForm.TemplateName), nameof(CreateVmForm.TemplateDescription)];
    private static readonly string[] PlacementFields = ["Spec.UseIallocator", "Spec.PrimaryNode", "Spec.SecondaryNode", "Spec.NameCheck", "Spec.IpCheck"];

    private IReadOnlyList<CreateClusterChoice>? _clusters;
    private CreateOptions? _options;
    private CreateVmForm? _form;
    private EditContext? _editContext;
    private FluentValidator? _validator;
    private IValidator? _formValidator;
    private IDisposable? _subscription;
    private ClaimsPrincipal _user = new();
    private long? _editTemplateId;
    private string? _loadProblem;
    private string? _error;
    private int _step;
    private bool _busy;

    [Inject] private CreateVmService Service { get; set; } = default!;

    [Inject] private TemplateService Templates { get; set; } = default!;

    [Inject] private LiveUpdateHub LiveUpdates { get; set; } = default!;

    [Inject] private NavigationManager Navigation { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState>? AuthenticationState { get; set; }

    /// <summary>Start from this template (its cluster and settings).</summary>
    [SupplyParameterFromQuery(Name = "template")] public long? FromTemplate { get; set; }

    /// <summary>Start from this failed create job (its cluster, owner, name and settings).</summary>
    [SupplyParameterFromQuery(Name = "retry")] public long? RetryJob { get; set; }

    /// <summary>Edit this template.</summary>
    [SupplyParameterFromQuery(Name = "edit")] public long? EditTemplate { get; set; }

    /// <summary>Preselect this cluster (slug).</summary>
    [SupplyParameterFromQuery(Name = "cluster")] public string? ClusterSlug { get; set; }

    private string Title => _editTemplateId is not null ? "Edit template" : RetryJob is not null ? "Retry a create" : "Create a virtual machine";

    private string SubmitText => _editTemplateId is not null ? "Save template" : _form!.CreateVm ? (_form.SaveTemplate ? "Create VM and save template" : "Create VM") : "Save template";

    private CreateClusterFacts Facts => _options!.Facts;

    private PersonaQuota? SelectedOwner => _options?.Owners.FirstOrDefault(o => o.Persona.Key == _form?.OwnerKey);

    protected override async Task OnInitializedAsync()
    {
        _user = AuthenticationState is null ? new ClaimsPrincipal() : (await AuthenticationState).User;
        _clusters = await Service.ListClustersAsync(_user);
        if (_clusters.Count == 0)
        {
            return;
        }

        CreateVmForm? form = null;
        if (RetryJob is { } jobId)
        {
            form = await Service.RetryFormAsync(_user, jobId);
            if (form is null)
            {
                _loadProblem = $"Job #{jobId} is not a failed create you may retry.";
                return;
            }
        }
        else if ((EditTemplate ?? FromTemplate) is { } templateId)
        {
            var template = await Templates.GetAsync(_user, templateId);
            if (template is null)
            {
                _loadProblem = $"There is no template #{templateId} you may use.";
                return;
            }

            _editTemplateId = EditTemplate is null ? null : templateId;
            form = new CreateVmForm
            {
                ClusterId = template.Row.ClusterId,
                CreateVm = _editTemplateId is null,
                SaveTemplate = _editTemplateId is not null,
                TemplateName = _editTemplateId is null ? null : template.Row.Name,
                TemplateDescription = _editTemplateId is null ? null : template.Row.Description,
                Spec = template.Spec,
            };
        }

        var clusterId = form?.ClusterId
                        ?? _clusters.FirstOrDefault(c => c.Slug == ClusterSlug)?.Id
                        ?? (_clusters.FirstOrDefault(c => c.Unavailable is null) ?? _clusters[0]).Id;
        if (!await LoadOptionsAsync(clusterId))
        {
            return;
        }

        _form = form ?? NewForm(clusterId);
        if (_form.CreateVm && _form.OwnerKey is null && _options!.Owners.Count == 1)
        {
            _form.OwnerKey = _options.Owners[0].Persona.Key;
        }

        SetEditContext();
        // Started from a template or a failed job, the settings are known: begin where the user names the VM.
        _step = form is not null && _editTemplateId is null ? 1 : 0;
    }

    protected override void OnAfterRender(bool firstRender)
    {
        if (firstRender)
        {
            _subscription = LiveUpdates.Subscribe(
                change => change is AccessChanged || (_form is not null && change.ClusterId == _form.ClusterId && change is QuotaChanged or ClusterChanged or NodesChanged),
                () => InvokeAsync(async () =>
                {
                    if (_form is not null && !_busy)
                    {
                        await LoadOptionsAsync(_form.ClusterId);
                        StateHasChanged();
                    }
                }));
        }
    }

    private async Task<bool> LoadOptionsAsync(int clusterId)
    {
        _options = await Service.GetOptionsAsync(_user, clusterId, _editTemplateId);
        if (_options is null)
        {
            _loadProblem = "You may no longer create on this cluster.";
            return false;
        }

        _formValidator = _options.Validator();
        return true;
    }

    private CreateVmForm NewForm(int clusterId) => new()
    {
        ClusterId = clusterId,
        CreateVm = true,
        Spec = _options!.Facts.DefaultSpec(),
    };

    private void SetEditContext()
    {
        _editContext = new EditContext(_form!);
    }

    private async Task ClusterChangedAsync()
    {
        var keep = _form!;
        if (!await LoadOptionsAsync(keep.ClusterId))
        {
            return;
        }

        // Settings of one cluster rarely fit another: start from the new cluster's defaults.
        _form = NewForm(keep.ClusterId);
        _form.CreateVm = keep.CreateVm;
        _form.SaveTemplate = keep.SaveTemplate;
        _form.OwnerKey = _options!.Owners.Count == 1 ? _options.Owners[0].Persona.Key : null;
        SetEditContext();
    }

    private void HypervisorChanged() =>
        _form!.Spec.Hv = HvFields.Defaults(_form.Spec.Hypervisor, Facts.HvDefaultsOf(_form.Spec.Hypervisor));

    private void DiskTemplateChanged()
    {
        if (_form!.Spec.IsDiskless)
        {
            _form.Spec.Disks.Clear();
        }
        else if (_form.Spec.Disks.Count == 0)
        {
            AddDisk();
        }
    }

    private void AddDisk()
    {
        var size = Facts.IpolicyStd.TryGetValue(CreateClusterFacts.DiskSize, out var std) ? std : Facts.Bounds(CreateClusterFacts.DiskSize).Min ?? 1024;
        _form!.Spec.Disks.Add(new DiskSpec { SizeMiB = Math.Max(1, size) });
    }

    private void AddNic() => _form!.Spec.Nics.Add(new NicSpec { Mode = Facts.DefaultNicMode, Link = Facts.DefaultNicLink });

    private IEnumerable<IGrouping<string, string>> OsGroups() =>
        Facts.OperatingSystems
            .GroupBy(os => os.Contains('+', StringComparison.Ordinal) ? os[..os.IndexOf('+', StringComparison.Ordinal)] : "Other (no variants)")
            .OrderBy(g => g.Key, StringComparer.Ordinal);

    private string PolicyHint()
    {
        if (Facts.IpolicyRanges.Count == 0)
        {
            return "The cluster's instance policy is not known; Ganeti checks it.";
        }

        static string Show((long? Min, long? Max) b) => $"{b.Min?.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) ?? "0"}–{b.Max?.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) ?? "any"}";
        return $"The cluster's instance policy: memory {Show(Facts.Bounds(CreateClusterFacts.MemorySize))} MiB, vCPUs {Show(Facts.Bounds(CreateClusterFacts.CpuCount))}, " +
               $"disk size {Show(Facts.Bounds(CreateClusterFacts.DiskSize))} MiB, disks {Show(Facts.Bounds(CreateClusterFacts.DiskCount))}, NICs {Show(Facts.Bounds(CreateClusterFacts.NicCount))}.";
    }

    private string HvSummary()
    {
        var changed = HvFields.ToParams(_form!.Spec.Hypervisor, _form.Spec.Hv, Facts.HvDefaultsOf(_form.Spec.Hypervisor));
        return changed.Count == 0 ? "none (the cluster's defaults)" : string.Join(", ", changed.Select(p => $"{p.Key}={p.Value}"));
    }

    private static int StepOf(string property)
    {
        if (property is nameof(CreateVmForm.CreateVm) or nameof(CreateVmForm.ClusterId))
        {
            return 0;
        }

        if (OwnerFields.Contains(property))
        {
            return 1;
        }

        if (PlacementFields.Contains(property))
        {
            return 3;
        }

        return property.StartsWith("Spec.Hv", StringComparison.Ordinal) ? 4 : 2;
    }

    private void GoTo(int step)
    {
        _error = null;
        _validator?.ClearErrors();
        _step = step;
    }

    private void Back() => GoTo(Math.Max(0, _step - 1));

    private async Task NextAsync()
    {
        if (_busy || _form is null || _formValidator is null)
        {
            return;
        }

        _busy = true;
        _error = null;
        try
        {
            var result = await _formValidator.ValidateAsync(new ValidationContext<CreateVmForm>(_form));
            var last = Steps.Length - 1;
            var mine = result.Errors.Where(e => _step == last || StepOf(e.PropertyName) == _step).ToList();
            if (mine.Count > 0)
            {
                ShowOnTheirStep(mine);
                return;
            }

            if (_step < last)
            {
                _validator?.ClearErrors();
                _step++;
                if (_step == 1 && !_form.CreateVm && !_form.SaveTemplate)
                {
                    _step = 0;
                }

                return;
            }

            await SubmitAsync();
        }
        finally
        {
            _busy = false;
        }
    }

    private async Task SubmitAsync()
    {
        if (_editTemplateId is { } templateId)
        {
            var saved = await Templates.UpdateAsync(_user, templateId, new TemplateForm { Name = _form!.TemplateName, Description = _form.TemplateDescription, Spec = _form.Spec });
            if (saved.Succeeded)
            {
                Navigation.NavigateTo("/templates?saved=" + templateId);
                return;
            }

            _error = saved.Message;
            ShowOnTheirStep(saved.Failures.Select(f => new ValidationFailure(f.PropertyName == nameof(TemplateForm.Name) ? nameof(CreateVmForm.TemplateName) : f.PropertyName, f.ErrorMessage)).ToList());
            return;
        }

        var outcome = await Service.CreateAsync(_user, _form!);
        if (outcome.JobId is { } jobId && outcome.Succeeded)
        {
            Navigation.NavigateTo("/vms/create/jobs/" + jobId);
            return;
        }

        if (outcome.Succeeded && outcome.TemplateId is { } id)
        {
            Navigation.NavigateTo("/templates?saved=" + id);
            return;
        }

        _error = outcome.Message;
        ShowOnTheirStep([.. outcome.Failures]);
    }

    private void ShowOnTheirStep(List<ValidationFailure> failures)
    {
        if (failures.Count == 0)
        {
            return;
        }

        _step = Math.Min(_step, failures.Min(f => StepOf(f.PropertyName)));
        _validator?.ShowErrors(failures);
        if (failures.Any(f => f.PropertyName is "Spec" or ""))
        {
            _error ??= string.Join(" ", failures.Where(f => f.PropertyName is "Spec" or "").Select(f => f.ErrorMessage));
        }
    }

    public void Dispose() => _subscription?.Dispose();
}
