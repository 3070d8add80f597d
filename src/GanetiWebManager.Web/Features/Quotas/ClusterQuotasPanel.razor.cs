using System.Security.Claims;
using GanetiWebManager.Web.Components.Shared.Forms;
using GanetiWebManager.Web.Features.LiveUpdates;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Forms;

namespace GanetiWebManager.Web.Features.Quotas;

public sealed partial class ClusterQuotasPanel
{
    private IReadOnlyList<Principal> _principals = [];
    private QuotaForm? _defaultForm;
    private EditContext? _defaultContext;
    private FluentValidator? _defaultValidator;
    private string? _editing;
    private QuotaForm? _editForm;
    private EditContext? _editContext;
    private FluentValidator? _editValidator;
    private QuotaForm _addForm = new();
    private EditContext _addContext = null!;
    private FluentValidator? _addValidator;
    private string? _message;
    private bool _messageOk;
    private bool _busy;

    [Parameter, EditorRequired]
    public int ClusterId { get; set; }

    [Inject]
    private QuotaQueries Queries { get; set; } = default!;

    [Inject]
    private QuotaAdminService Admin { get; set; } = default!;

    [CascadingParameter]
    private Task<AuthenticationState>? Auth { get; set; }

    protected override void OnInitialized() => _addContext = new EditContext(_addForm);

    protected override bool ShowsChange(PortalChange change) =>
        change.ClusterId == ClusterId && change is QuotaChanged or VirtualMachinesChanged or ClusterChanged;

    protected override async Task<ClusterQuotasModel?> LoadAsync(ClaimsPrincipal user, CancellationToken ct)
    {
        var model = await Queries.GetClusterQuotasAsync(user, ClusterId, ct);
        if (model is not null && _principals.Count == 0)
        {
            _principals = await Queries.PrincipalsAsync(user, ct);
        }

        return model;
    }

    private async Task<ClaimsPrincipal> UserAsync() => Auth is null ? new ClaimsPrincipal() : (await Auth).User;

    private void EditDefault()
    {
        _defaultForm = QuotaForm.From(Model!.Default);
        _defaultContext = new EditContext(_defaultForm);
    }

    private void Edit(QuotaUsageRow row)
    {
        _editing = row.Owner.ToString();
        _editForm = QuotaForm.From(row.Quota);
        _editContext = new EditContext(_editForm);
    }

    private async Task SaveDefaultAsync()
    {
        if (_defaultForm is null || _defaultValidator is null || !await _defaultValidator.ValidateAsync())
        {
            return;
        }

        if (await RunAsync(async user => await Admin.SetDefaultAsync(user, ClusterId, _defaultForm.ToValues())))
        {
            _defaultForm = null;
        }
    }

    private async Task SaveOverrideAsync(QuotaOwner owner, QuotaForm form, FluentValidator? validator)
    {
        if (validator is null || !await validator.ValidateAsync())
        {
            return;
        }

        if (await RunAsync(async user => await Admin.SetOverrideAsync(user, ClusterId, owner, form.ToValues())))
        {
            _editing = null;
        }
    }

    private Task<bool> ResetAsync(QuotaOwner owner) => RunAsync(async user => await Admin.ResetAsync(user, ClusterId, owner));

    private async Task AddAsync()
    {
        if (_addValidator is null || !await _addValidator.ValidateAsync())
        {
            return;
        }

        if (QuotaForm.ParseOwner(_addForm.OwnerKey) is not { } owner)
        {
            _message = "Choose the user or group first.";
            _messageOk = false;
            return;
        }

        if (await RunAsync(async user => await Admin.SetOverrideAsync(user, ClusterId, owner, _addForm.ToValues())))
        {
            _addForm = new QuotaForm();
            _addContext = new EditContext(_addForm);
        }
    }

    /// <summary>Runs one change (the service checks permission and audits) and shows its outcome.</summary>
    private async Task<bool> RunAsync(Func<ClaimsPrincipal, Task<QuotaChangeResult>> change)
    {
        _busy = true;
        try
        {
            var result = await change(await UserAsync());
            _message = result.Message;
            _messageOk = result.Succeeded;
            await ReloadAsync();
            return result.Succeeded;
        }
        finally
        {
            _busy = false;
        }
    }
}
