using System.Linq.Expressions;
using FluentValidation;
using GanetiWebManager.Web.Components.Shared.Forms;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.AspNetCore.Components.Rendering;

namespace GanetiWebManager.Web.Tests.Components.Shared.Forms;

public sealed class Order
{
    public string Name { get; set; } = "";

    public Address Address { get; set; } = new();

    public List<OrderLine> Lines { get; set; } = [];

    public List<string> Tags { get; set; } = [];
}

public sealed class Address
{
    public string City { get; set; } = "";

    public string Street { get; set; } = "";
}

public sealed class OrderLine
{
    public int Quantity { get; set; }
}

/// <summary>Rules of every shape the adapter must place: plain, nested (both styles), collection items, model-level, async.</summary>
public sealed class OrderValidator : AbstractValidator<Order>
{
    public const string TakenName = "taken";

    /// <summary>The async name check waits for this when set (a slow database), so tests can hold a run open.</summary>
    public TaskCompletionSource? Gate { get; set; }

    public OrderValidator()
    {
        RuleFor(o => o.Name).NotEmpty().WithMessage("Name is required.");
        RuleFor(o => o.Name)
            .MustAsync(async (name, ct) =>
            {
                if (Gate is { } gate)
                {
                    await gate.Task.WaitAsync(ct);
                }

                await Task.Yield(); // really asynchronous, as a database lookup is
                return name != TakenName;
            })
            .WithMessage("That name is taken.");
        RuleFor(o => o.Address.City).NotEmpty().WithMessage("City is required.");
        RuleFor(o => o.Address).SetValidator(new AddressValidator());
        RuleForEach(o => o.Lines).ChildRules(line => line.RuleFor(l => l.Quantity).GreaterThan(0).WithMessage("Quantity must be positive."));
        RuleForEach(o => o.Tags).NotEmpty().WithMessage("Tags cannot be empty.");
        RuleFor(o => o).Must(o => o.Name.Length == 0 || o.Name != o.Address.City).WithMessage("Name and city must differ.");
    }
}

public sealed class AddressValidator : AbstractValidator<Address>
{
    public AddressValidator() => RuleFor(a => a.Street).NotEmpty().WithMessage("Street is required.");
}

/// <summary>Only synchronous rules: EditContext.Validate() must answer right away.</summary>
public sealed class SyncOrderValidator : AbstractValidator<Order>
{
    public SyncOrderValidator()
    {
        RuleFor(o => o.Name).NotEmpty().WithMessage("Name is required.");
        RuleFor(o => o.Address.City).NotEmpty().WithMessage("City is required.");
    }
}

public sealed class ThrowingValidator : AbstractValidator<Order>
{
    public ThrowingValidator() =>
        RuleFor(o => o.Name).MustAsync(async (_, _) =>
        {
            await Task.Yield();
            return LookUp();
        });

    private static bool LookUp() => throw new InvalidOperationException("database down");
}

/// <summary>
/// A form as a page would write it: EditForm, FluentValidator, inputs bound to plain and nested properties, and
/// a ValidationMessage under each.
/// </summary>
public sealed class OrderFormHost : ComponentBase
{
    [Parameter, EditorRequired]
    public Order Model { get; set; } = default!;

    /// <summary>Passed on to FluentValidator; null lets it resolve IValidator&lt;Order&gt; from the services.</summary>
    [Parameter]
    public IValidator? Validator { get; set; }

    [Parameter]
    public bool ShowValidator { get; set; } = true;

    public EditContext EditContext { get; private set; } = default!;

    public FluentValidator? FluentValidator { get; private set; }

    protected override void OnParametersSet() => EditContext ??= new EditContext(Model);

    protected override void BuildRenderTree(RenderTreeBuilder builder)
    {
        builder.OpenComponent<EditForm>(0);
        builder.AddComponentParameter(1, nameof(EditForm.EditContext), EditContext);
        builder.AddComponentParameter(2, nameof(EditForm.ChildContent), (RenderFragment<EditContext>)(_ => form =>
        {
            if (ShowValidator)
            {
                form.OpenComponent<FluentValidator>(0);
                form.AddComponentParameter(1, "Validator", Validator);
                form.AddComponentReferenceCapture(2, r => FluentValidator = (FluentValidator)r);
                form.CloseComponent();
            }

            form.OpenRegion(10);
            Input(form, "name", () => Model.Name, v => Model.Name = v);
            form.CloseRegion();
            form.OpenRegion(20);
            Input(form, "city", () => Model.Address.City, v => Model.Address.City = v);
            form.CloseRegion();
            form.OpenRegion(30);
            Input(form, "street", () => Model.Address.Street, v => Model.Address.Street = v);
            form.CloseRegion();
            foreach (var line in Model.Lines)
            {
                form.OpenRegion(40);
                Message(form, () => line.Quantity);
                form.CloseRegion();
            }

            form.OpenRegion(50);
            Message(form, () => Model.Tags);
            form.CloseRegion();
            form.OpenComponent<ValidationSummary>(60);
            form.CloseComponent();
        }));
        builder.CloseComponent();
    }

    private void Input(RenderTreeBuilder form, string id, Expression<Func<string>> field, Action<string> set)
    {
        form.OpenComponent<InputText>(0);
        form.AddComponentParameter(1, "id", id);
        form.AddComponentParameter(2, nameof(InputText.Value), field.Compile()());
        form.AddComponentParameter(3, nameof(InputText.ValueChanged), EventCallback.Factory.Create<string>(this, v => set(v)));
        form.AddComponentParameter(4, nameof(InputText.ValueExpression), field);
        form.CloseComponent();
        form.OpenRegion(5);
        Message(form, field);
        form.CloseRegion();
    }

    private static void Message<T>(RenderTreeBuilder form, Expression<Func<T>> field)
    {
        form.OpenComponent<ValidationMessage<T>>(0);
        form.AddComponentParameter(1, nameof(ValidationMessage<T>.For), field);
        form.CloseComponent();
    }
}
