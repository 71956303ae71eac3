-- title: Statements by an actor
-- description: Every statement by an actor or by anyone under it (a state's government, ministries and officials), in date order, with the span its date covers (said_on to said_on_end: a statement the text dates only by its context spans what the context allows), the precision of its date and how the date is known (date_basis: stated in the text, or inferred from its context; empty for a row loaded before the database recorded it).
-- param: actor [actors]: The actor: key, name or alias, such as russia or Lavrov (required)
-- UNION, not UNION ALL: an actor already reached is not followed again, so the walk ends at any
-- depth, even on a cycle.
WITH RECURSIVE under (id) AS (
    SELECT id FROM actors WHERE key = :actor
    UNION
    SELECT actors.id FROM actors JOIN under ON actors.parent_id = under.id
)
SELECT
    statements.said_on,
    statements.said_on_end,
    statements.said_on_precision,
    statements.date_basis,
    speaker.name AS speaker,
    statements.kind,
    statements.stance,
    target.name AS target,
    events.title AS event,
    statements.summary,
    statements.quote,
    sources.title AS source
-- CROSS JOIN keeps this order: from the actors to their statements by index, never a scan of
-- all statements.
FROM under
CROSS JOIN statements ON statements.speaker_id = under.id
JOIN actors AS speaker ON speaker.id = statements.speaker_id
LEFT JOIN actors AS target ON target.id = statements.target_id
LEFT JOIN events ON events.id = statements.event_id
JOIN sources ON sources.id = statements.source_id
ORDER BY statements.said_on, statements.key;
