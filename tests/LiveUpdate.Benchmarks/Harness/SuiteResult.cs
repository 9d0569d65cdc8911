namespace LiveUpdate.Benchmarks.Harness;

/// <summary>What a suite measured: its figures in table order, plus breakdowns and notes for the reader.</summary>
internal sealed class SuiteResult(string suite)
{
    private readonly List<Figure> _figures = [];
    private readonly List<(string Section, Figure Figure)> _breakdown = [];
    private readonly List<string> _notes = [];

    public string Suite { get; } = suite;

    public IReadOnlyList<Figure> Figures => _figures;

    /// <summary>Context figures (phase timings and the like) grouped by section; never judged against a target.</summary>
    public IReadOnlyList<(string Section, Figure Figure)> Breakdown => _breakdown;

    public IReadOnlyList<string> Notes => _notes;

    public TimeSpan Duration { get; set; }

    /// <summary>How busy other processes kept the machine during the run (set by the harness).</summary>
    public MachineLoad? Load { get; set; }

    public Figure Add(Figure figure)
    {
        if (_figures.Any(existing => existing.Name == figure.Name))
        {
            throw new InvalidOperationException($"figure {figure.Name} reported twice");
        }

        _figures.Add(figure);
        return figure;
    }

    public void AddBreakdown(string section, Figure figure) => _breakdown.Add((section, figure));

    public void AddNote(string note) => _notes.Add(note);
}
