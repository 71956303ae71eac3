//! The reading thread of an update, in two: records parsed on a thread of their own, a batch
//! ahead, while this one checks and converts the batch before (`OnRead::pipelined`). Seeding
//! again, the writing thread has little to do (an unchanged file's rows are not compared, a
//! changed file's mostly match), so reading and checking are the load, and the two cores can
//! share them. Every message is the one the single thread gives: a batch is checked before the
//! error that ended its parsing is reported, and the rows before a refusal are handed over first.

use std::sync::mpsc::{channel, sync_channel, Receiver, SyncSender};

use super::diagnose::DeferredError;
use super::input::Rows;
use super::layout::Layout;
use super::read::{parse_batch, reset, Batch, FileEnd, Message, OnRead};
use super::read_ahead::{plan_batch, Planner};

/// Reads the rest of `rows` (after the header) as `read_table` does; false if the writing
/// thread has stopped listening.
pub(super) fn read_rows<'s>(
    mut rows: Box<dyn Rows + 's>,
    layout: &Layout<'s>,
    on_read: &mut impl OnRead,
    sender: &SyncSender<Message<'s>>,
    recycled: &Receiver<Batch>,
) -> Result<bool, DeferredError> {
    std::thread::scope(|scope| {
        // Parsed batches, each with how its parsing ended; and spare batches back to the parser.
        let (parsed_sender, parsed) = sync_channel::<(Batch, Result<bool, DeferredError>)>(2);
        let (spare_sender, spare) = channel::<Batch>();
        // Where the last load's runs are, the file is read ahead of the parser, which passes
        // them unparsed (read_ahead.rs).
        let mut planner = match rows.can_peek() {
            true => on_read
                .read_ahead(layout)
                .map(|matcher| Planner::new(matcher, layout)),
            false => None,
        };
        let parser = scope.spawn(move || {
            loop {
                let mut batch = reset(spare.try_recv().unwrap_or_default());
                let more = match &mut planner {
                    Some(planner) => plan_batch(&mut *rows, layout, planner, &mut batch),
                    None => parse_batch(&mut *rows, layout, &mut batch),
                };
                let go_on = matches!(more, Ok(true));
                if parsed_sender.send((batch, more)).is_err() || !go_on {
                    break;
                }
            }
            // Once read to the end: a quote never closed, and the hash of the bytes.
            (rows.error_at_end(), rows.hash(), planner.map(|p| p.matcher))
        });
        let mut last = Batch::default();
        let read = (|| -> Result<FileEnd, DeferredError> {
            while let Ok((mut batch, more)) = parsed.recv() {
                while let Ok(spare) = recycled.try_recv() {
                    let _ = spare_sender.send(spare);
                }
                let checked = on_read.batch(layout, &mut batch);
                if let Some(record) = batch.records[..batch.filled].last() {
                    batch.read = record.position().map_or(0, |p| p.byte());
                }
                if let Err(failure) = checked {
                    last = batch;
                    return Err(failure);
                }
                match more {
                    Ok(true) => {
                        if sender.send(Message::Rows(batch)).is_err() {
                            return Ok(FileEnd::default());
                        }
                    }
                    Ok(false) => {
                        last = batch;
                        break;
                    }
                    Err(failure) => {
                        last = batch;
                        return Err(failure);
                    }
                }
            }
            Ok(FileEnd::default())
        })();
        // The parser stops at its next hand-over, if it has not stopped already.
        drop(parsed);
        let (error_at_end, hash, matcher) =
            parser.join().expect("the parsing thread does not panic");
        if let Some(matcher) = matcher {
            on_read.read_ahead_done(matcher);
        }
        let read = read.and_then(|_| {
            if let Some((line, message)) = error_at_end {
                return Err(layout.row_error(line, message).into());
            }
            on_read.end(layout)
        });
        // The rows before a refusal are handed over first: one of them may be refused earlier.
        if last.filled > 0 && sender.send(Message::Rows(last)).is_err() {
            return Ok(false);
        }
        Ok(sender.send(Message::End(read?, hash)).is_ok())
    })
}
