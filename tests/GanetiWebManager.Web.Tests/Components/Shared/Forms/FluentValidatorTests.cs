#pragma warning disable BL0006 // TestRenderer is a Renderer
using FluentValidation;
using FluentValidation.Results;
using GanetiWebManager.Testing.Components;
using GanetiWebManager.Web.Components.Shared.Forms;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;

namespace GanetiWebManager.Web.Tests.Components.Shared.Forms;

public sealed class FluentValidatorTests : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly TestRenderer _renderer;

    public FluentValidatorTests()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddScoped<IValidator<Order>, OrderValidator>();
        _services = services.BuildServiceProvider();
        _renderer = new TestRenderer(_services);
    }

    public async ValueTask DisposeAsync()
    {
        await _renderer.DisposeAsync();
        await _services.DisposeAsync();
    }

    private static Order ValidOrder() => new() { Name = "order", Address = new Address { City = "Bern", Street = "Main" } };

    private async Task<(OrderFormHost Host, int Id)> RenderAsync(Order model, IValidator? validator = null, bool showValidator = true) =>
        await _renderer.RenderAsync<OrderFormHost>(new Dictionary<string, object?>
        {
            [nameof(OrderFormHost.Model)] = model,
            [nameof(OrderFormHost.Validator)] = validator,
            [nameof(OrderFormHost.ShowValidator)] = showValidator,
        });

    private IReadOnlyList<string> Messages(int id) => _renderer.TextsOfClass(id, "validation-message", "div"); // ValidationMessage; the summary uses <li>

    [Fact]
    public async Task Render_UntouchedInvalidForm_ShowsNoMessages()
    {
        var (_, id) = await RenderAsync(new Order());

        Messages(id).ShouldBeEmpty();
    }

    [Fact]
    public async Task FieldChanged_InvalidValue_ShowsOnlyThatFieldsMessage()
    {
        var (host, id) = await RenderAsync(new Order { Name = "typed" });

        await _renderer.ChangeAsync(id, "name", "");
        await WaitForAsync(() => Messages(id).Count > 0);

        Messages(id).ShouldBe(["Name is required."]);
        host.EditContext.GetValidationMessages(new FieldIdentifier(host.Model.Address, "City")).ShouldBeEmpty();
    }

    [Fact]
    public async Task FieldChanged_ValueFixed_ClearsItsMessage()
    {
        var (_, id) = await RenderAsync(new Order { Name = "typed" });
        await _renderer.ChangeAsync(id, "name", "");
        await WaitForAsync(() => Messages(id).Count > 0);

        await _renderer.ChangeAsync(id, "name", "fine");
        await WaitForAsync(() => Messages(id).Count == 0);

        Messages(id).ShouldBeEmpty();
    }

    [Fact]
    public async Task FieldChanged_AsyncRule_ShowsItsMessageWhenItCompletes()
    {
        var (_, id) = await RenderAsync(new Order());

        await _renderer.ChangeAsync(id, "name", OrderValidator.TakenName);
        await WaitForAsync(() => Messages(id).Count > 0);

        Messages(id).ShouldBe(["That name is taken."]);
    }

    [Fact]
    public async Task ValidateAsync_InvalidNestedCollectionAndModelLevel_ShowsEveryMessageInItsPlace()
    {
        var order = new Order { Name = "Bern", Address = new Address { City = "Bern", Street = "" }, Lines = [new OrderLine { Quantity = 1 }, new OrderLine()], Tags = ["ok", ""] };
        var (host, id) = await RenderAsync(order);

        var valid = await _renderer.Dispatcher.InvokeAsync(() => host.FluentValidator!.ValidateAsync());

        valid.ShouldBeFalse();
        var context = host.EditContext;
        context.GetValidationMessages(new FieldIdentifier(order.Address, "Street")).ShouldBe(["Street is required."]);
        context.GetValidationMessages(new FieldIdentifier(order.Lines[1], "Quantity")).ShouldBe(["Quantity must be positive."]);
        context.GetValidationMessages(new FieldIdentifier(order.Lines[0], "Quantity")).ShouldBeEmpty();
        context.GetValidationMessages(new FieldIdentifier(order, "Tags")).ShouldBe(["Tags cannot be empty."]);
        context.GetValidationMessages(new FieldIdentifier(order, string.Empty)).ShouldBe(["Name and city must differ."]);
        // Rendered where the page puts them: under the nested input, under the line, in the summary.
        Messages(id).ShouldBe(["Street is required.", "Quantity must be positive.", "Tags cannot be empty."], ignoreOrder: true);
        _renderer.TextsOfClass(id, "validation-errors").Single().ShouldContain("Name and city must differ.");
    }

    [Fact]
    public async Task ValidateAsync_ValidModel_ReturnsTrueAndClearsMessages()
    {
        var order = new Order();
        var (host, id) = await RenderAsync(order);
        (await _renderer.Dispatcher.InvokeAsync(() => host.FluentValidator!.ValidateAsync())).ShouldBeFalse();
        Messages(id).ShouldNotBeEmpty();

        order.Name = "order";
        order.Address.City = "Bern";
        order.Address.Street = "Main";
        var valid = await _renderer.Dispatcher.InvokeAsync(() => host.FluentValidator!.ValidateAsync());

        valid.ShouldBeTrue();
        Messages(id).ShouldBeEmpty();
        host.EditContext.GetValidationMessages().ShouldBeEmpty();
    }

    [Fact]
    public async Task ValidateAsync_AsyncRuleFails_ReturnsFalse()
    {
        var order = ValidOrder();
        order.Name = OrderValidator.TakenName;
        var (host, _) = await RenderAsync(order);

        var valid = await _renderer.Dispatcher.InvokeAsync(() => host.FluentValidator!.ValidateAsync());

        valid.ShouldBeFalse();
        host.EditContext.GetValidationMessages(new FieldIdentifier(order, "Name")).ShouldBe(["That name is taken."]);
    }

    [Fact]
    public async Task EditContextValidate_SynchronousRules_AnswersAtOnce()
    {
        var order = new Order();
        var (host, _) = await RenderAsync(order, new SyncOrderValidator());

        var invalid = await _renderer.Dispatcher.InvokeAsync(() => host.EditContext.Validate());
        order.Name = "x";
        order.Address.City = "y";
        var valid = await _renderer.Dispatcher.InvokeAsync(() => host.EditContext.Validate());

        invalid.ShouldBeFalse();
        valid.ShouldBeTrue();
    }

    [Fact]
    public async Task EditContextValidate_AsyncRuleStillRunning_HoldsTheFormInvalidUntilItEnds()
    {
        var validator = new OrderValidator { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var (host, _) = await RenderAsync(ValidOrder(), validator);

        var answer = await _renderer.Dispatcher.InvokeAsync(() => host.EditContext.Validate());

        answer.ShouldBeFalse();
        host.EditContext.GetValidationMessages().ShouldBe([FluentValidator.PendingMessage]);
        validator.Gate.SetResult();
        await WaitForAsync(() => !host.EditContext.GetValidationMessages().Any());
        (await _renderer.Dispatcher.InvokeAsync(() => host.FluentValidator!.ValidateAsync())).ShouldBeTrue();
    }

    [Fact]
    public async Task FieldChanged_OlderRunEndsAfterANewerOne_IsDropped()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var validator = new OrderValidator { Gate = gate };
        var order = ValidOrder();
        var (host, id) = await RenderAsync(order, validator);

        await _renderer.ChangeAsync(id, "name", ""); // held at the gate, its result says "Name is required."
        validator.Gate = null;
        await _renderer.ChangeAsync(id, "name", "fine");
        await Task.Delay(100); // the newer run (no gate) ends first...
        gate.SetResult(); // ...the older one last
        await Task.Delay(100);

        Messages(id).ShouldBeEmpty();
        host.EditContext.GetValidationMessages().ShouldBeEmpty();
    }

    [Fact]
    public async Task ShowErrors_ServerFailuresOnNestedPaths_AppearOnTheirFields()
    {
        var order = ValidOrder();
        var (host, id) = await RenderAsync(order);

        await _renderer.Dispatcher.InvokeAsync(() => host.FluentValidator!.ShowErrors(
        [
            new ValidationFailure("Address.City", "Unknown city (server)."),
            new ValidationFailure("", "Refused by the server."),
        ]));

        host.EditContext.GetValidationMessages(new FieldIdentifier(order.Address, "City")).ShouldBe(["Unknown city (server)."]);
        Messages(id).ShouldBe(["Unknown city (server)."]);
        _renderer.TextsOfClass(id, "validation-errors").Single().ShouldContain("Refused by the server.");
    }

    [Fact]
    public async Task ClearErrors_AfterValidation_RemovesEveryMessage()
    {
        var (host, id) = await RenderAsync(new Order());
        await _renderer.Dispatcher.InvokeAsync(() => host.FluentValidator!.ValidateAsync());
        Messages(id).ShouldNotBeEmpty();

        await _renderer.Dispatcher.InvokeAsync(() => host.FluentValidator!.ClearErrors());

        Messages(id).ShouldBeEmpty();
    }

    [Fact]
    public async Task Render_NoValidatorParameter_UsesTheRegisteredOne()
    {
        var order = ValidOrder();
        order.Name = OrderValidator.TakenName;
        var (host, _) = await RenderAsync(order, validator: null);

        (await _renderer.Dispatcher.InvokeAsync(() => host.FluentValidator!.ValidateAsync())).ShouldBeFalse();
        host.EditContext.GetValidationMessages().ShouldContain("That name is taken.");
    }

    [Fact]
    public async Task For_EditContext_FindsTheAttachedValidator()
    {
        var (host, _) = await RenderAsync(new Order());

        FluentValidator.For(host.EditContext).ShouldBeSameAs(host.FluentValidator);
    }

    [Fact]
    public async Task FieldChanged_ValidatorThrows_ShowsThatTheFormCouldNotBeChecked()
    {
        var (host, id) = await RenderAsync(new Order(), new ThrowingValidator());

        await _renderer.ChangeAsync(id, "name", "x");
        await WaitForAsync(() => host.EditContext.GetValidationMessages().Any());

        host.EditContext.GetValidationMessages().ShouldBe([FluentValidator.FailedMessage]);
    }

    [Fact]
    public async Task Dispose_RemovedFromTheForm_StopsValidatingAndLeavesNoMessages()
    {
        var order = new Order { Name = "typed" };
        var (host, id) = await RenderAsync(order);
        await _renderer.Dispatcher.InvokeAsync(() => host.FluentValidator!.ValidateAsync());
        var context = host.EditContext;

        await _renderer.Dispatcher.InvokeAsync(() => host.SetParametersAsync(Microsoft.AspNetCore.Components.ParameterView.FromDictionary(
            new Dictionary<string, object?> { [nameof(OrderFormHost.Model)] = order, [nameof(OrderFormHost.ShowValidator)] = false })));
        await _renderer.ChangeAsync(id, "name", "");
        await Task.Delay(50);

        context.GetValidationMessages().ShouldBeEmpty();
        FluentValidator.For(context).ShouldBeNull();
    }

    [Fact]
    public async Task Render_OutsideAForm_FailsWithAClearMessage()
    {
        var ex = await Should.ThrowAsync<InvalidOperationException>(() => _renderer.RenderAsync<FluentValidator>());

        ex.Message.ShouldContain("EditForm");
    }

    private async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200; i++)
        {
            if (await _renderer.Dispatcher.InvokeAsync(condition))
            {
                return;
            }

            await Task.Delay(10);
        }

        throw new TimeoutException("The condition did not become true within 2 s.");
    }
}
