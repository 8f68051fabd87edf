package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// MQTTClients records the MQTT client ids LifeOps' replicas connect with
// and when each was last connected, so that the session of a replica gone
// for good can be ended at the broker (see docs/operations.md).
type MQTTClients struct {
	pool *pgxpool.Pool
}

// NewMQTTClients returns the client id register on pool.
func NewMQTTClients(pool *pgxpool.Pool) *MQTTClients { return &MQTTClients{pool: pool} }

// MQTTClientSeen records that id is connected now.
func (m *MQTTClients) MQTTClientSeen(ctx context.Context, id string) error {
	if _, err := m.pool.Exec(ctx, `INSERT INTO mqtt_clients (client_id, seen_at) VALUES ($1, now())
		ON CONFLICT (client_id) DO UPDATE SET seen_at = now()`, id); err != nil {
		return fmt.Errorf("mqtt client %s seen: %w", id, err)
	}
	return nil
}

// MQTTClientsGone lists the client ids last connected before before.
func (m *MQTTClients) MQTTClientsGone(ctx context.Context, before time.Time) ([]string, error) {
	rows, err := m.pool.Query(ctx, `SELECT client_id FROM mqtt_clients WHERE seen_at < $1 ORDER BY client_id`, before)
	if err != nil {
		return nil, fmt.Errorf("mqtt clients gone: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("mqtt clients gone: %w", err)
	}
	return ids, nil
}

// MQTTClientForget forgets id and its delivery keys, unless it was
// connected again since before; false when it was.
func (m *MQTTClients) MQTTClientForget(ctx context.Context, id string, before time.Time) (bool, error) {
	forgot := false
	err := pgx.BeginFunc(ctx, m.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM mqtt_clients WHERE client_id = $1 AND seen_at < $2`, id, before)
		if err != nil {
			return err
		}
		if forgot = tag.RowsAffected() == 1; !forgot {
			return nil
		}
		_, err = tx.Exec(ctx, `DELETE FROM mqtt_deliveries WHERE client_id = $1`, id)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("forget mqtt client %s: %w", id, err)
	}
	return forgot, nil
}
