namespace LiveUpdate.Benchmarks.Harness;

/// <summary>One named group of end-to-end figures, run by <c>dotnet run -- NAME</c>.</summary>
internal interface IBenchmarkSuite
{
    /// <summary>The command-line name, also the results file name (<c>bench-results/NAME.json</c>).</summary>
    string Name { get; }

    /// <summary>One line for the usage text.</summary>
    string Description { get; }

    /// <summary>Measures every figure of the suite in this run; <paramref name="log"/> receives progress lines.</summary>
    SuiteResult Run(ScratchDirectory scratch, TextWriter log);
}
