using System.Reflection;

namespace LiveUpdate.Tests.Shared;

/// <summary>
/// Every test that returns a task declares a timeout (<c>[Fact(Timeout = ...)]</c>, <c>[Theory(Timeout = ...)]</c>), so
/// that a hang fails that one test instead of stalling the whole run. tests/Directory.Build.targets links this file
/// into every test project; it checks the assembly it is compiled into.
/// </summary>
public sealed class AsyncTestTimeoutTests
{
    private const BindingFlags AllMethods =
        BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    [Fact]
    public void EveryAsyncTest_DeclaresATimeout()
    {
        var tests = typeof(AsyncTestTimeoutTests).Assembly.GetTypes()
            .SelectMany(type => type.GetMethods(AllMethods))
            .Select(method => (Method: method, Test: method.GetCustomAttribute<FactAttribute>(inherit: true)))
            .Where(found => found.Test is not null)
            .ToList();

        var missing = tests
            .Where(found => IsAwaitable(found.Method.ReturnType) && found.Test!.Timeout <= 0)
            .Select(found => $"{found.Method.DeclaringType!.FullName}.{found.Method.Name}")
            .Order(StringComparer.Ordinal)
            .ToList();

        // The scan finds this very test, so an empty result would mean it looked in the wrong place.
        Assert.Contains(tests, found => found.Method.Name == nameof(EveryAsyncTest_DeclaresATimeout));
        Assert.True(missing.Count == 0, $"async tests without [Fact(Timeout = ...)] or [Theory(Timeout = ...)]:\n{string.Join('\n', missing)}");
    }

    private static bool IsAwaitable(Type type) =>
        typeof(Task).IsAssignableFrom(type) || type == typeof(ValueTask) ||
        (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ValueTask<>));
}
