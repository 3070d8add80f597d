#pragma warning disable BL0006 // the render tree API is what a test renderer reads
using System.Runtime.ExceptionServices;
using System.Text;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.RenderTree;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace GanetiWebManager.Testing.Components;

/// <summary>
/// A minimal Blazor renderer for component tests (bUnit is not available here): renders a component with the
/// given services, finds elements by id or class in the current render tree (child components included), and
/// dispatches change and click events to them as a browser would. Exceptions from components fail the test.
/// </summary>
public sealed class TestRenderer(IServiceProvider services)
    : Renderer(services, services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance)
{
    public override Dispatcher Dispatcher { get; } = Dispatcher.CreateDefault();

    /// <summary>Renders <typeparamref name="T"/> as a root component and returns it with its id.</summary>
    public Task<(T Component, int ComponentId)> RenderAsync<T>(IDictionary<string, object?>? parameters = null)
        where T : IComponent =>
        Dispatcher.InvokeAsync(async () =>
        {
            var component = (T)InstantiateComponent(typeof(T));
            var id = AssignRootComponentId(component);
            await RenderRootComponentAsync(id, ParameterView.FromDictionary(parameters ?? new Dictionary<string, object?>()));
            return (component, id);
        });

    /// <summary>Runs <paramref name="action"/> on the renderer's dispatcher, where component code runs.</summary>
    public Task InvokeAsync(Func<Task> action) => Dispatcher.InvokeAsync(action);

    /// <summary>Sets an input's value through its <c>onchange</c> handler (what <c>@bind</c> listens to).</summary>
    public Task ChangeAsync(int rootComponentId, string elementId, string? value) =>
        DispatchAsync(rootComponentId, elementId, "onchange", new ChangeEventArgs { Value = value });

    public Task ClickAsync(int rootComponentId, string elementId) =>
        DispatchAsync(rootComponentId, elementId, "onclick", new Microsoft.AspNetCore.Components.Web.MouseEventArgs());

    /// <summary>
    /// The text of every element with <paramref name="cssClass"/> among its classes (and, if given, of that element
    /// name), in document order.
    /// </summary>
    public IReadOnlyList<string> TextsOfClass(int rootComponentId, string cssClass, string? elementName = null)
    {
        var texts = new List<string>();
        Walk(rootComponentId, (frames, index, componentId) =>
        {
            if (frames.Array[index].FrameType == RenderTreeFrameType.Element
                && (elementName is null || frames.Array[index].ElementName == elementName)
                && Attribute(frames, index, "class") is string classes
                && classes.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(cssClass))
            {
                texts.Add(TextOf(frames, index));
            }
        });
        return texts;
    }

    /// <summary>The value attribute of the element with this id (what the browser would show in an input).</summary>
    public string? ValueOf(int rootComponentId, string elementId)
    {
        string? value = null;
        Walk(rootComponentId, (frames, index, _) =>
        {
            if (frames.Array[index].FrameType == RenderTreeFrameType.Element && Equals(Attribute(frames, index, "id"), elementId))
            {
                value = Attribute(frames, index, "value")?.ToString();
            }
        });
        return value;
    }

    protected override void HandleException(Exception exception) => ExceptionDispatchInfo.Capture(exception).Throw();

    protected override Task UpdateDisplayAsync(in RenderBatch renderBatch) => Task.CompletedTask;

    private Task DispatchAsync(int rootComponentId, string elementId, string eventName, EventArgs args) =>
        Dispatcher.InvokeAsync(() =>
        {
            ulong? handler = null;
            Walk(rootComponentId, (frames, index, _) =>
            {
                if (frames.Array[index].FrameType == RenderTreeFrameType.Element && Equals(Attribute(frames, index, "id"), elementId))
                {
                    for (var i = index + 1; i < frames.Count && frames.Array[i].FrameType == RenderTreeFrameType.Attribute; i++)
                    {
                        if (frames.Array[i].AttributeName == eventName)
                        {
                            handler = frames.Array[i].AttributeEventHandlerId;
                        }
                    }
                }
            });
            return handler is { } id
                ? DispatchEventAsync(id, null, args)
                : throw new InvalidOperationException($"No element #{elementId} with an {eventName} handler is rendered.");
        });

    private void Walk(int componentId, Action<ArrayRange<RenderTreeFrame>, int, int> visit)
    {
        var frames = GetCurrentRenderTreeFrames(componentId);
        for (var i = 0; i < frames.Count; i++)
        {
            visit(frames, i, componentId);
            if (frames.Array[i].FrameType == RenderTreeFrameType.Component)
            {
                Walk(frames.Array[i].ComponentId, visit);
            }
        }
    }

    private static object? Attribute(ArrayRange<RenderTreeFrame> frames, int elementIndex, string name)
    {
        for (var i = elementIndex + 1; i < frames.Count && frames.Array[i].FrameType == RenderTreeFrameType.Attribute; i++)
        {
            if (frames.Array[i].AttributeName == name)
            {
                return frames.Array[i].AttributeValue;
            }
        }

        return null;
    }

    private string TextOf(ArrayRange<RenderTreeFrame> frames, int elementIndex)
    {
        var text = new StringBuilder();
        var end = elementIndex + frames.Array[elementIndex].ElementSubtreeLength;
        for (var i = elementIndex + 1; i < end; i++)
        {
            switch (frames.Array[i].FrameType)
            {
                case RenderTreeFrameType.Text:
                    text.Append(frames.Array[i].TextContent);
                    break;
                case RenderTreeFrameType.Markup:
                    text.Append(frames.Array[i].MarkupContent);
                    break;
                case RenderTreeFrameType.Component:
                    var child = GetCurrentRenderTreeFrames(frames.Array[i].ComponentId);
                    for (var j = 0; j < child.Count; j++)
                    {
                        if (child.Array[j].FrameType == RenderTreeFrameType.Text)
                        {
                            text.Append(child.Array[j].TextContent);
                        }
                    }

                    break;
            }
        }

        return text.ToString();
    }
}
