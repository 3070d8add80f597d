using FluentValidation;
using FluentValidation.Results;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;

namespace GanetiWebManager.Web.Components.Shared.Forms;

/// <summary>
/// Validates an <see cref="EditForm"/>'s model with FluentValidation (our own adapter; Blazored's package is not
/// available here). Put it inside the form:
/// <code>
/// &lt;EditForm EditContext="_editContext" OnSubmit="SaveAsync"&gt;
///     &lt;FluentValidator @ref="_validator" /&gt;
///     ...
/// &lt;/EditForm&gt;
/// ...
/// private async Task SaveAsync()
/// {
///     if (!await _validator.ValidateAsync()) return;   // every rule, async ones included
///     var outcome = await Service.SaveAsync(_form);      // the service validates again
///     _validator.ShowErrors(outcome.Failures);           // and its findings show in the same places
/// }
/// </code>
/// <para>
/// Messages go to the fields FluentValidation names, nested paths and collection items included
/// (<see cref="ModelPaths"/>), so <c>&lt;ValidationMessage For="() =&gt; Model.Quota.RamMiB" /&gt;</c> shows the
/// message of <c>RuleFor(x =&gt; x.Quota.RamMiB)</c>. A field's messages appear once the user changed it, and for
/// every field after a full validation (submit), so an untouched form does not start out red. Each run replaces
/// the messages of the previous one; a run overtaken by a newer one is dropped.
/// </para>
/// <para>
/// <see cref="EditContext.Validate"/> (and so <c>OnValidSubmit</c>) works too, but it is synchronous: when a rule
/// is really asynchronous (a database lookup) the form stays invalid, with a "still checking" message, until the
/// run ends. Forms with async rules therefore submit through <c>OnSubmit</c> and <see cref="ValidateAsync"/>.
/// </para>
/// </summary>
public sealed partial class FluentValidator : ComponentBase, IDisposable
{
    public const string PendingMessage = "The form is still being checked; try again in a moment.";
    public const string FailedMessage = "The form could not be checked just now; try again.";

    private static readonly object EditContextKey = new();

    private readonly HashSet<FieldIdentifier> _revealed = [];
    private EditContext? _editContext;
    private ValidationMessageStore? _store;
    private bool _allRevealed;
    private long _generation;

    [CascadingParameter]
    private EditContext? CascadedEditContext { get; set; }

    [Inject]
    private IServiceProvider Services { get; set; } = default!;

    [Inject]
    private ILogger<FluentValidator> Logger { get; set; } = default!;

    /// <summary>The validator; by default the <c>IValidator&lt;TModel&gt;</c> registered for the form's model type.</summary>
    [Parameter]
    public IValidator? Validator { get; set; }

    /// <summary>Rule sets to run (FluentValidation's <c>IncludeRuleSets</c>); null runs the rules outside any set.</summary>
    [Parameter]
    public IReadOnlyCollection<string>? RuleSets { get; set; }

    /// <summary>Re-validate when a field changes (on by default). Off: only on <see cref="ValidateAsync"/> or submit.</summary>
    [Parameter]
    public bool ValidateOnFieldChanged { get; set; } = true;

    /// <summary>The validator attached to <paramref name="editContext"/>, for components that get the context but not the reference.</summary>
    public static FluentValidator? For(EditContext editContext)
    {
        ArgumentNullException.ThrowIfNull(editContext);
        return editContext.Properties.TryGetValue(EditContextKey, out var value) ? value as FluentValidator : null;
    }

    /// <summary>
    /// Runs every rule (async ones included), shows all messages and returns whether the model is valid. Exceptions
    /// of the validator (a lookup that failed) reach the caller.
    /// </summary>
    public async Task<bool> ValidateAsync(CancellationToken ct = default)
    {
        var (editContext, _) = Attached();
        _allRevealed = true;
        var generation = ++_generation;
        var result = await RunAsync(editContext.Model, ct);
        if (generation == _generation)
        {
            Apply(result);
        }

        return result.IsValid;
    }

    /// <summary>
    /// Shows failures found elsewhere (typically a service that validated the same model again on the server) on
    /// their fields, in addition to the messages shown now; those fields count as changed from then on.
    /// </summary>
    public void ShowErrors(IEnumerable<ValidationFailure> failures)
    {
        ArgumentNullException.ThrowIfNull(failures);
        var (editContext, store) = Attached();
        _generation++; // a run still in flight would otherwise replace these with its own view
        foreach (var group in failures.GroupBy(f => ModelPaths.ToFieldIdentifier(editContext.Model, f.PropertyName)))
        {
            _revealed.Add(group.Key);
            store.Clear(group.Key);
            store.Add(group.Key, group.Select(f => f.ErrorMessage));
        }

        editContext.NotifyValidationStateChanged();
    }

    /// <summary>Removes every message this validator shows (e.g. when the form is reset).</summary>
    public void ClearErrors()
    {
        var (editContext, store) = Attached();
        _generation++;
        _allRevealed = false;
        _revealed.Clear();
        store.Clear();
        editContext.NotifyValidationStateChanged();
    }

    protected override void OnParametersSet()
    {
        if (CascadedEditContext is null)
        {
            throw new InvalidOperationException($"{nameof(FluentValidator)} needs a cascading EditContext: place it inside an EditForm.");
        }

        if (!ReferenceEquals(CascadedEditContext, _editContext))
        {
            Detach();
            _editContext = CascadedEditContext;
            _store = new ValidationMessageStore(_editContext);
            _editContext.OnFieldChanged += OnFieldChanged;
            _editContext.OnValidationRequested += OnValidationRequested;
            _editContext.Properties[EditContextKey] = this;
        }
    }

    public void Dispose()
    {
        Detach();
        GC.SuppressFinalize(this);
    }

    private void Detach()
    {
        if (_editContext is null)
        {
            return;
        }

        _editContext.OnFieldChanged -= OnFieldChanged;
        _editContext.OnValidationRequested -= OnValidationRequested;
        _editContext.Properties.Remove(EditContextKey);
        _store?.Clear();
        _editContext.NotifyValidationStateChanged();
        _editContext = null;
        _store = null;
        _revealed.Clear();
        _allRevealed = false;
        _generation++;
    }

    private (EditContext EditContext, ValidationMessageStore Store) Attached() =>
        _editContext is not null && _store is not null
            ? (_editContext, _store)
            : throw new InvalidOperationException($"{nameof(FluentValidator)} is not attached to a form (not rendered yet, or disposed).");

    private void OnFieldChanged(object? sender, FieldChangedEventArgs e)
    {
        _revealed.Add(e.FieldIdentifier);
        if (ValidateOnFieldChanged)
        {
            _ = ValidateInBackgroundAsync(showPending: false);
        }
    }

    private void OnValidationRequested(object? sender, ValidationRequestedEventArgs e)
    {
        _allRevealed = true;
        // When every rule completes synchronously the run below has finished, messages included, when it returns:
        // EditContext.Validate() then answers correctly. Otherwise the form is held invalid until the run ends.
        _ = ValidateInBackgroundAsync(showPending: true);
    }

    private async Task ValidateInBackgroundAsync(bool showPending)
    {
        if (_editContext is not { } editContext || _store is not { } store)
        {
            return;
        }

        var generation = ++_generation;
        var run = RunAsync(editContext.Model, CancellationToken.None);
        if (!run.IsCompleted && showPending)
        {
            store.Clear();
            store.Add(new FieldIdentifier(editContext.Model, string.Empty), PendingMessage);
            editContext.NotifyValidationStateChanged();
        }

        ValidationResult result;
        try
        {
            result = await run;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogValidationFailed(Logger, ex);
            if (generation == _generation && ReferenceEquals(editContext, _editContext))
            {
                store.Clear();
                store.Add(new FieldIdentifier(editContext.Model, string.Empty), FailedMessage);
                editContext.NotifyValidationStateChanged();
            }

            return;
        }

        if (generation == _generation && ReferenceEquals(editContext, _editContext))
        {
            Apply(result);
        }
    }

    private Task<ValidationResult> RunAsync(object model, CancellationToken ct)
    {
        var validator = Validator ?? ResolveValidator(model.GetType());
        var context = ValidationContext<object>.CreateWithOptions(model, options =>
        {
            if (RuleSets is { Count: > 0 } ruleSets)
            {
                options.IncludeRuleSets([.. ruleSets]);
            }
        });
        return validator.ValidateAsync(context, ct);
    }

    private IValidator ResolveValidator(Type modelType) =>
        Services.GetService(typeof(IValidator<>).MakeGenericType(modelType)) as IValidator
        ?? throw new InvalidOperationException($"No IValidator<{modelType.Name}> is registered; register one or pass Validator to {nameof(FluentValidator)}.");

    private void Apply(ValidationResult result)
    {
        var (editContext, store) = Attached();
        store.Clear();
        foreach (var failure in result.Errors)
        {
            var field = ModelPaths.ToFieldIdentifier(editContext.Model, failure.PropertyName);
            if (_allRevealed || _revealed.Contains(field))
            {
                store.Add(field, failure.ErrorMessage);
            }
        }

        editContext.NotifyValidationStateChanged();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A form validator threw; the form is shown as not checked")]
    private static partial void LogValidationFailed(ILogger logger, Exception exception);
}
